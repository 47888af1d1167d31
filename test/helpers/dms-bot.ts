// A bot process for the dead man's switch test: reaches the HTTP simulator through the config's
// `exchange` section (real ccxt client), places one resting order, then beats its heartbeat every
// DMS_PERIOD_MS; each beat re-arms the venue's dead man's switch (DMS_TIMEOUT_MS). DMS_OFF=1 beats
// without the switch (the old behaviour). Prints `{"ready":true}` once the order rests and the
// switch is armed. Env: DMS_URL, DMS_DB, DMS_TIMEOUT_MS, DMS_PERIOD_MS.
import { DeadMansSwitch, refreshOnBeat } from '../../src/exchange/dead-mans-switch.js';
import { createExchangeFromConfig } from '../../src/exchange/from-config.js';
import { HeartbeatWriter } from '../../src/heartbeat/heartbeat.js';
import { SqliteStore } from '../../src/store/index.js';

const env = process.env;
const exchange = await createExchangeFromConfig({ kind: 'sim-http', url: env['DMS_URL']!, timeoutMs: 2_000 });
const store = SqliteStore.open(env['DMS_DB']!);
const writer = new HeartbeatWriter({ store });
const dms = new DeadMansSwitch({ exchange, timeoutMs: Number(env['DMS_TIMEOUT_MS']) });
const heartbeat = env['DMS_OFF'] === '1' ? writer : refreshOnBeat(writer, dms);
await exchange.createOrder({
  symbol: 'BTC/USDT',
  side: 'buy',
  type: 'limit',
  amount: 1,
  price: 60,
  clientOrderId: `dms-${process.pid}`,
});
await heartbeat.beat('bot');
process.stdout.write(`${JSON.stringify({ ready: true, dms: dms.state.kind })}\n`);
setInterval(() => void heartbeat.beat('bot'), Number(env['DMS_PERIOD_MS']));
