// `warden serve` as a real process, reached over real HTTP: a Prometheus scrape parsed (and
// checked by promtool when installed), the server-sent events of a trip and of a decision, the
// bad-token rate limit, the token file's permissions, and logs that are JSON with no token in them.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { get, type IncomingMessage } from 'node:http';
import { spawnSync } from 'node:child_process';
import { warden, workspace } from './helpers/cli.js';
import { startServe } from './helpers/serve.js';
import { parsePromText } from './helpers/prom-text.js';
import { SqliteStore } from '../src/store/index.js';

const TOKEN = 'tok-api-7f3a9c';
const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

/** Reads server-sent events from `url` until `until` returns true for one (or 20 s pass). */
function events(url: string): {
  next(pred: (type: string, data: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  close(): void;
} {
  let buf = '';
  const seen: [string, Record<string, unknown>][] = [];
  const waiters: (() => void)[] = [];
  let res: IncomingMessage | undefined;
  const req = get(url, (r) => {
    res = r;
    r.setEncoding('utf8');
    r.on('data', (chunk: string) => {
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const type = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (type && data) seen.push([type, JSON.parse(data) as Record<string, unknown>]);
      }
      for (const w of waiters.splice(0)) w();
    });
  });
  req.on('error', () => undefined);
  return {
    async next(pred) {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const hit = seen.find(([t, d]) => pred(t, d));
        if (hit) return hit[1];
        if (Date.now() > deadline) throw new Error(`no such event in ${JSON.stringify(seen)}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 500).unref();
        });
      }
    },
    close() {
      res?.destroy();
      req.destroy();
    },
  };
}

describe('warden serve: /v1 API, metrics, events (real process, real HTTP)', () => {
  it('serves a parseable scrape that follows the state, events of a trip and a decision, and rate-limits bad tokens', async (t) => {
    const w = workspace({ heartbeats: [{ name: 'bot', periodSec: 60, graceSec: 30, tripOnFailure: false }] });
    const now = Date.now();
    writeFileSync(
      join(w.dataDir, 'strategy_state.json'),
      JSON.stringify({
        as_of: new Date(now).toISOString(),
        as_of_unix: now / 1000,
        strategies: {
          NHL: { status: 'blocked', roi_30d: -0.25, n_30d: 40, tripped_at: null, reason: 'roi' },
          NBA: { status: 'active', roi_30d: 0.12, n_30d: 55, tripped_at: null, note: '' },
        },
      }),
    );
    // a bot's mode, as its openWarden records it: served by /v1/mode and warden_mode{bot}
    const db = SqliteStore.open(join(w.dataDir, 'warden.db'));
    await db.modes.claim({
      bot: 'bot',
      mode: 'REDUCE_ONLY',
      reason: 'breaker_open',
      detail: 'exchange breaker open',
      since: now,
      host: 'h',
      pid: 1,
      seq: 1,
    });
    await db.close();
    const serve = await startServe(w.args, ['--port', '0'], { WARDEN_TOKEN: TOKEN });
    const base = serve.printed;
    const sse = events(`${base}/v1/events`);
    try {
      const mode = await fetch(`${base}/v1/mode`);
      assert.equal(mode.status, 200, "warden serve reads the bots' modes from the store (no 501)");
      const bots = ((await mode.json()) as { bots: { bot: string; mode: string }[] }).bots;
      assert.deepEqual(
        bots.map((b) => [b.bot, b.mode]),
        [['bot', 'REDUCE_ONLY']],
      );
      let r = await fetch(`${base}/v1/heartbeat/bot`, {
        method: 'POST',
        headers: auth,
        body: '{"status":"ok"}',
      });
      assert.equal(r.status, 200, await r.text());

      const res = await fetch(`${base}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      let text = await res.text();
      let m = parsePromText(text);
      assert.equal(m.value('warden_halted'), 0);
      const age = m.value('warden_heartbeat_age_seconds', { name: 'bot' });
      assert.ok(age !== undefined && age >= 0 && age < 60, `heartbeat age ${age}`);
      assert.equal(m.value('warden_heartbeat_max_age_seconds', { name: 'bot' }), 90);
      assert.equal(m.value('warden_strategy_status', { key: 'NHL', status: 'blocked' }), 1);
      assert.equal(m.value('warden_strategy_status', { key: 'NHL', status: 'active' }), 0);
      assert.equal(m.value('warden_strategy_roi_ratio', { key: 'NBA' }), 0.12);
      assert.equal(m.value('warden_strategy_trades', { key: 'NBA' }), 55);
      assert.equal(m.value('warden_strategy_keys'), 2);
      assert.equal(m.value('warden_dlq_entries', { status: 'open' }), 0);
      assert.equal(m.value('warden_decision_log_head_seq'), 0);
      assert.equal(m.value('warden_mode', { bot: 'bot', mode: 'REDUCE_ONLY' }), 1);
      assert.equal(m.value('warden_mode', { bot: 'bot', mode: 'FULL' }), 0);
      assert.ok(m.value('warden_strategy_evaluation_last_success_timestamp_seconds')! > now / 1000 - 5);
      assert.equal(m.types.get('warden_alerts_sent_total'), 'counter');
      for (const s of m.samples)
        if (m.types.get(s.name) === 'counter') assert.match(s.name, /_total$/, 'counters end in _total');

      const promtool = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      if (promtool.error && (promtool.error as NodeJS.ErrnoException).code === 'ENOENT')
        t.diagnostic('promtool not installed: the exposition was checked by the parser only');
      else assert.equal(promtool.status, 0, `promtool check metrics: ${promtool.stdout}${promtool.stderr}`);

      // A trip over the API: an event on the stream, and the gauge follows.
      await sse.next((type, d) => type === 'killswitch' && d['halted'] === false);
      r = await fetch(`${base}/v1/killswitch`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ action: 'trip', reason: 'from the api test', by: 'test' }),
      });
      assert.equal(r.status, 200, await r.text());
      const ev = await sse.next((type, d) => type === 'killswitch' && d['halted'] === true);
      assert.equal(ev['reason'], 'from the api test');
      m = parsePromText(await (await fetch(`${base}/metrics`)).text());
      assert.equal(m.value('warden_halted'), 1);
      assert.equal((await fetch(`${base}/v1/guard`)).status, 403);
      assert.equal((await warden([...w.args, 'status', '--json'])).code, 1, 'the CLI sees the same halt');

      // A decision: appended durably, announced, counted.
      r = await fetch(`${base}/v1/decisions`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ kind: 'bot.signal', data: { side: 'buy' }, by: 'bot' }),
      });
      assert.equal(r.status, 200);
      assert.equal(((await r.json()) as { seq: number }).seq, 1);
      await sse.next((type, d) => type === 'decision' && d['seq'] === 1 && d['kind'] === 'bot.signal');
      text = await (await fetch(`${base}/metrics`)).text();
      assert.equal(parsePromText(text).value('warden_decision_log_head_seq'), 1);
      assert.equal((await warden([...w.args, 'log', 'verify', join(w.dataDir, 'decisions')])).code, 0);

      // Bad tokens: ten are answered 401, then 429 with Retry-After, even with the right one.
      for (let i = 0; i < 10; i++) {
        const bad = await fetch(`${base}/v1/heartbeat/bot`, {
          method: 'POST',
          headers: { ...auth, authorization: `Bearer wrong-${i}` },
          body: '{}',
        });
        assert.equal(bad.status, 401);
      }
      const limited = await fetch(`${base}/v1/heartbeat/bot`, { method: 'POST', headers: auth, body: '{}' });
      assert.equal(limited.status, 429);
      assert.ok(Number(limited.headers.get('retry-after')) > 0);
      assert.equal((await fetch(`${base}/v1/check/NHL`)).status, 403, 'open reads on loopback still answer');
    } finally {
      sse.close();
      serve.child.kill('SIGTERM');
    }
    const exit = await serve.exited;
    assert.equal(exit.code, 0, 'SIGTERM ends serve cleanly with an event stream open');
    const { stdout, stderr } = serve.output();
    for (const line of stdout.split('\n').filter((l) => l !== ''))
      assert.doesNotThrow(() => JSON.parse(line), `a stdout line that is not JSON: ${line}`);
    assert.match(stdout, /"msg":"stopped"/);
    assert.doesNotMatch(stdout + stderr, new RegExp(TOKEN), 'the token is never logged');
  });

  it('streams a heartbeat incident opened and closed, the trip it causes and the alerts sent, and counts them', async () => {
    const w = workspace({
      heartbeats: [{ name: 'bot', periodSec: 1, graceSec: 0, tripOnFailure: true }],
      watchdog: { intervalSec: 0.2 },
    });
    const serve = await startServe(w.args, ['--port', '0'], { WARDEN_TOKEN: TOKEN });
    const base = serve.printed;
    const sse = events(`${base}/v1/events`);
    const beat = () => fetch(`${base}/v1/heartbeat/bot`, { method: 'POST', headers: auth, body: '{}' });
    try {
      assert.equal((await beat()).status, 200);
      // No more beats: the watchdog opens an incident, trips, and alerts on stderr.
      const opened = await sse.next(
        (t, d) => t === 'heartbeat' && d['name'] === 'bot' && d['incident'] === 'opened',
      );
      assert.match(String(opened['detail']), /late|stale/);
      await sse.next((t, d) => t === 'killswitch' && d['halted'] === true);
      await sse.next((t, d) => t === 'alert' && d['channel'] === 'stderr' && d['outcome'] === 'sent');
      const m = parsePromText(await (await fetch(`${base}/metrics`)).text());
      assert.ok(m.value('warden_alerts_sent_total', { channel: 'stderr' })! >= 1);
      assert.equal(m.value('warden_alerts_failed_total', { channel: 'stderr', final: 'true' }), 0);
      assert.equal(m.value('warden_halted'), 1);
      assert.equal(await beat().then((r) => r.status), 200);
      await sse.next((t, d) => t === 'heartbeat' && d['name'] === 'bot' && d['incident'] === 'closed');
    } finally {
      sse.close();
      serve.child.kill('SIGTERM');
    }
    assert.equal((await serve.exited).code, 0);
    assert.match(serve.output().stderr, /"msg":"watchdog: bot /, 'the incident is logged as JSON on stderr');
  });

  it('reads the token from daemon.tokenFile, and refuses a file others can read', async () => {
    const w = workspace({ daemon: { tokenFile: 'api.token' } });
    const file = join(w.dataDir, 'api.token');
    writeFileSync(file, `${TOKEN}\n`);
    chmodSync(file, 0o644);
    const refused = await warden([...w.args, 'serve', '--port', '0'], { env: { WARDEN_TOKEN: '' } });
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /daemon\.tokenFile: .*api\.token is readable by others \(mode 644\); run chmod 600/,
    );
    chmodSync(file, 0o600);
    const serve = await startServe(w.args, ['--port', '0'], { WARDEN_TOKEN: '' });
    try {
      const ok = await fetch(`${serve.printed}/v1/killswitch`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ action: 'trip', reason: 'token from file' }),
      });
      assert.equal(ok.status, 200);
    } finally {
      serve.child.kill('SIGTERM');
    }
    await serve.exited;
    assert.doesNotMatch(serve.output().stdout + serve.output().stderr, new RegExp(TOKEN));
  });
});
