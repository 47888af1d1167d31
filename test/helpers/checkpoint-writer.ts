// Saves ~1 MB checkpoints as fast as it can, forever, so a test can SIGKILL it mid-save.
// Each state embeds the sequence number it is saved under and the SHA-256 of its body, so a
// reader can tell a whole checkpoint from a mixed or torn one. Usage: checkpoint-writer.ts DIR
import { createHash, randomBytes } from 'node:crypto';
import { CheckpointStore } from '../../src/checkpoint/index.js';

const dir = process.argv[2];
if (!dir) throw new Error('usage: checkpoint-writer.ts DIR');
const store = CheckpointStore.open(dir, { keep: 3 });
const pad = randomBytes(512 * 1024).toString('hex');
process.stdout.write('ready\n');
for (let i = 0; ; i++) {
  // Varies every save, cheaply, so most of the loop's time is spent inside save().
  const body = { pid: process.pid, i, pad: `${i}:${pad}` };
  const bodySha = createHash('sha256').update(JSON.stringify(body)).digest('hex');
  const seq = store.nextSeq;
  const saved = store.save({ seq, bodySha, body });
  if (saved.seq !== seq) throw new Error(`saved under ${saved.seq}, expected ${seq}`);
}
