// One racer of the kv compare-and-set race: opens the store (`sqlite <path>` or `postgres <url>
// <schema>`), waits for the go file, then set-if-absent on every key with its tag, then swaps
// every key from the value it was told to `<tag>2` once `<go file>2` appears (every racer's
// first batch is done by then). Prints `{ready}`, `{first}` and `{second}`: the values the store
// said each key holds after each batch.
import { existsSync } from 'node:fs';
import { SqliteStore, type Store } from '../../src/store/index.js';
import { PgStore } from '../../src/store/postgres/pg-store.js';

const [backend, where, schema, goFile, tag, countS] = process.argv.slice(2) as [
  'sqlite' | 'postgres',
  string,
  string,
  string,
  string,
  string,
];
const say = (v: unknown): void => void process.stdout.write(`${JSON.stringify(v)}\n`);
const store: Store =
  backend === 'sqlite'
    ? SqliteStore.open(where)
    : await PgStore.open({ url: where, schema, mode: 'existing', poolSize: 1, timeoutMs: 30_000 });
const keys = Array.from({ length: Number(countS) }, (_, i) => `race:${i}`);
await store.kv.getMany(keys); // connected, statement prepared
say({ ready: true });
const waitFor = async (file: string) => {
  while (!existsSync(file)) await new Promise((r) => setTimeout(r, 2));
};
await waitFor(goFile);
const first = await store.kv.compareAndSet(keys.map((key) => ({ key, expected: null, value: tag })));
say({ first: Object.fromEntries(first) });
await waitFor(`${goFile}2`);
const second = await store.kv.compareAndSet(
  keys.map((key) => ({ key, expected: first.get(key) ?? null, value: `${tag}2` })),
);
say({ second: Object.fromEntries(second) });
await store.close();
