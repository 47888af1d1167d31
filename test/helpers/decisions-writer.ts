// Appends to a decision log in a loop, forever, so a test can SIGKILL it at a random moment.
// Bursts of plain appends (some large, so a write can be torn), then one durable append whose
// head is printed only once it is fsync'd: every printed line is a promise the log must keep.
// Usage: decisions-writer.ts DIR
import { DecisionLog } from '../../src/decisions/index.js';

const log = DecisionLog.open({ dir: process.argv[2]!, flushIntervalMs: 5, rotateBytes: 512 * 1024 });
process.stdout.write(`ready ${log.head.seq}\n`);
for (let i = 0; ; i++) {
  const burst = 1 + (i % 40);
  for (let k = 0; k < burst; k++)
    log.append({
      kind: 'bot',
      by: `pid${process.pid}`,
      data: { i, k, pad: 'x'.repeat((i * 37 + k * 101) % 6000) },
    });
  const h = await log.append({ kind: 'bot', data: { i, durable: true } }, { durable: true });
  process.stdout.write(`ack ${h.seq} ${h.hash}\n`);
}
