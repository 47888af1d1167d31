// One of two processes racing for the same decision log. Waits for "go" on stdin, tries to open
// the log, prints "opened" or "locked <message>", and, if it got the log, appends N decisions and
// waits for "finish" before flushing and closing. Usage: decisions-racer.ts DIR N
import { createInterface } from 'node:readline';
import { DecisionLog, DecisionLogLockedError } from '../../src/decisions/index.js';

const [dir, n] = [process.argv[2]!, Number(process.argv[3])];
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
process.stdout.write('ready\n');
await lines.next(); // go
let log: DecisionLog;
try {
  log = DecisionLog.open({ dir, flushIntervalMs: 2 });
} catch (err) {
  if (!(err instanceof DecisionLogLockedError)) throw err;
  process.stdout.write(`locked ${err.message}\n`);
  process.exit(3);
}
for (let i = 0; i < n; i++) {
  log.append({ kind: 'bot', by: `pid${process.pid}`, data: { i } });
  if (i % 100 === 0) await new Promise((r) => setImmediate(r));
}
process.stdout.write('opened\n');
await lines.next(); // finish
const h = await log.flush();
await log.close();
process.stdout.write(`done ${h.seq}\n`);
process.exit(0);
