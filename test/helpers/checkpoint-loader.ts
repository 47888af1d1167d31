// A bot restarting on a checkpoint directory: open it, load the newest checkpoint, save the
// states given on the command line, load again; prints what it saw as one JSON line.
// Usage: checkpoint-loader.ts DIR [STATE…]
import { CheckpointStore, type LoadResult } from '../../src/checkpoint/index.js';

const [dir, ...states] = process.argv.slice(2);
if (!dir) throw new Error('usage: checkpoint-loader.ts DIR [STATE…]');
const store = CheckpointStore.open(dir, { keep: 2 });
const reported: [number, string][] = [];
store.onSkip((s) => reported.push([s.seq, s.kind]));
const view = (r: LoadResult | null) =>
  r && {
    seq: r.checkpoint.seq,
    state: r.checkpoint.state,
    skipped: r.skipped.map((s) => [s.seq, s.kind, s.reason]),
  };
const before = view(store.loadLatest());
const saved = states.map((s) => store.save(s).seq);
const after = view(store.loadLatest());
process.stdout.write(JSON.stringify({ before, saved, after, reported, nextSeq: store.nextSeq }) + '\n');
