// One side of the trip/resume race: `trip N` trips N times; `resume` keeps resuming whatever
// halt it last read until the file DONE exists. Prints one JSON line per outcome.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteStore } from '../../src/store/index.js';
import { KillSwitch, ResumeConflictError } from '../../src/killswitch/index.js';

const [dataDir, mode, count] = process.argv.slice(2) as [string, string, string | undefined];
const store = SqliteStore.open(join(dataDir, 'warden.db'), { mustExist: true, busyTimeoutMs: 10_000 });
const ks = await KillSwitch.open({ store, dataDir, pollMs: 0, source: `racer-${mode}` });
const say = (v: unknown) => process.stdout.write(`${JSON.stringify(v)}\n`);
const tick = () => new Promise((r) => setImmediate(r));

if (mode === 'trip') {
  for (let i = 0; i < Number(count); i++) {
    const r = await ks.trip({ reason: `race trip ${i}`, by: 'tripper' });
    // The tripper is told "halted" with this event id.
    if (r.recorded) say({ tripped: r.event.id, halted: ks.isHalted() });
    if (i % 3 === 0) await tick();
  }
} else {
  const done = join(dataDir, '..', 'DONE');
  let last = false;
  while (!last) {
    last = existsSync(done);
    const s = await ks.refresh();
    if (!s.halted) {
      await tick();
      continue;
    }
    try {
      const e = await ks.resume({ reason: 'race resume', by: 'resumer', haltId: s.eventId });
      say({ resumed: e.id, named: s.eventId });
    } catch (err) {
      if (!(err instanceof ResumeConflictError)) throw err;
      say({ refused: s.eventId, latest: err.latest?.id ?? null });
    }
  }
}
await ks.close();
await store.close();
