import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { warden, workspace } from './helpers/cli.js';
import { SqliteStore } from '../src/store/index.js';

interface Circuit {
  paused: boolean;
  reason: string | null;
  source?: string;
  warden_event_id?: number | null;
}
const circuit = (dataDir: string) =>
  JSON.parse(readFileSync(join(dataDir, 'circuit.json'), 'utf8')) as Circuit;

/** The seed's own reader (seed 001, the README's Python snippet): True = proceed. */
function seedReaderProceeds(dataDir: string): boolean {
  const py = `
import json, pathlib, sys
path = pathlib.Path(sys.argv[1]) / "circuit.json"
if not path.exists():
    print("proceed"); sys.exit(0)
state = json.loads(path.read_text())
print("paused" if state.get("paused", False) else "proceed")
`;
  const r = spawnSync('python3', ['-c', py, dataDir], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim() === 'proceed';
}

async function history(dataDir: string) {
  const store = SqliteStore.open(join(dataDir, 'warden.db'), { mustExist: true });
  try {
    return (await store.killSwitch.history()).reverse();
  } finally {
    await store.close();
  }
}

describe('every halt is mirrored into circuit.json, and a halt ended by hand is recorded (issue 8 item 6)', () => {
  it('a STOP file halt is mirrored with its reason and source, so the seed reader stops too', async () => {
    const w = workspace();
    assert.equal(seedReaderProceeds(w.dataDir), true);
    writeFileSync(join(w.dataDir, 'STOP'), 'legal review\n');
    const g = await warden([...w.args, 'guard', '--', 'true']);
    assert.equal(g.code, 2);
    const c = circuit(w.dataDir);
    assert.equal(c.paused, true);
    assert.equal(c.source, 'stop_file');
    assert.match(c.reason!, /STOP file.*legal review/);
    assert.equal(seedReaderProceeds(w.dataDir), false, "the seed's reader sees the STOP halt");
    const h = await history(w.dataDir);
    assert.deepEqual(
      h.map((e) => [e.action, e.by, e.source]),
      [['trip', 'unknown', 'stop_file']],
      'recorded once as a trip by unknown',
    );
  });

  it('an unreadable store and a failed trip are mirrored too', async () => {
    const w = workspace();
    writeFileSync(join(w.dataDir, 'warden.db'), 'this is not a database, but it is not empty either');
    const g = await warden([...w.args, 'guard', '--', 'true']);
    assert.equal(g.code, 2);
    let c = circuit(w.dataDir);
    assert.equal(c.paused, true);
    assert.equal(c.source, 'unreadable');
    assert.match(c.reason!, /store unreadable: .*not a valid store file/);
    assert.equal(seedReaderProceeds(w.dataDir), false);

    const t = workspace();
    writeFileSync(join(t.dataDir, 'warden.db'), 'garbage garbage garbage');
    const r = await warden([...t.args, 'trip', '--reason', 'bad fill', '--by', 'ops']);
    assert.equal(r.code, 1, 'the trip could not be recorded');
    assert.match(r.stderr, /the trip is NOT recorded, but trading is HALTED by the STOP file/);
    assert.ok(existsSync(join(t.dataDir, 'STOP')));
    c = circuit(t.dataDir);
    assert.equal(c.paused, true);
    assert.equal(c.reason, 'bad fill');
    assert.equal(seedReaderProceeds(t.dataDir), false);
    assert.match(
      r.stderr,
      /warden alert \[critical\] Trading halted \(trip NOT recorded/,
      'alerted from memory',
    );
  });

  it('a STOP file removed by hand is recorded once as a resume by unknown and alerted, whoever notices', async () => {
    const w = workspace();
    writeFileSync(join(w.dataDir, 'STOP'), '');
    assert.equal((await warden([...w.args, 'status'])).code, 1);
    rmSync(join(w.dataDir, 'STOP'));
    // Two readers notice at once: compare-and-set records it once.
    const [a, b] = await Promise.all([warden([...w.args, 'status']), warden([...w.args, 'status'])]);
    assert.equal(a.code, 0, a.stdout);
    assert.equal(b.code, 0, b.stdout);
    const h = await history(w.dataDir);
    assert.deepEqual(
      h.map((e) => [e.action, e.by]),
      [
        ['trip', 'unknown'],
        ['resume', 'unknown'],
      ],
    );
    assert.equal(h[1]!.clears, h[0]!.id);
    assert.match(h[1]!.reason, /STOP file was removed by hand/);
    const alerts = `${a.stderr}${b.stderr}`.match(/Trading resumed by an unknown person/g) ?? [];
    assert.equal(alerts.length, 1, `alerted once: ${a.stderr} ${b.stderr}`);
    assert.equal(circuit(w.dataDir).paused, false);
  });

  it('circuit.json edited by hand to end a halt is recorded as a resume by unknown and alerted', async () => {
    const w = workspace();
    assert.equal((await warden([...w.args, 'trip', '--reason', 'loss limit', '--by', 'ops'])).code, 0);
    const c = circuit(w.dataDir);
    writeFileSync(join(w.dataDir, 'circuit.json'), JSON.stringify({ ...c, paused: false }));
    const s = await warden([...w.args, 'status']);
    assert.equal(s.code, 0, s.stdout);
    assert.match(
      s.stderr,
      /Trading resumed by an unknown person: circuit\.json was set to "paused": false by hand/,
    );
    const h = await history(w.dataDir);
    assert.deepEqual(
      h.map((e) => [e.action, e.by]),
      [
        ['trip', 'ops'],
        ['resume', 'unknown'],
      ],
    );
    // The seed's own way: a script pauses, a person edits it back to {"paused": false}.
    writeFileSync(
      join(w.dataDir, 'circuit.json'),
      JSON.stringify({ paused: true, reason: 'sponsor dispute', since: 1 }),
    );
    let g = await warden([...w.args, 'guard', '--', 'true']);
    assert.equal(g.code, 2);
    assert.match(g.stderr, /sponsor dispute/);
    writeFileSync(join(w.dataDir, 'circuit.json'), JSON.stringify({ paused: false }));
    g = await warden([...w.args, 'guard', '--', 'true']);
    assert.equal(g.code, 0, g.stderr);
    const h2 = await history(w.dataDir);
    assert.deepEqual(
      h2.slice(2).map((e) => [e.action, e.by, e.source]),
      [
        ['trip', 'unknown', 'circuit_file'],
        ['resume', 'unknown', 'guard'],
      ],
    );
  });

  it('a mirror left stale by a failed write is repaired, never taken for a resume by hand', async () => {
    const w = workspace();
    assert.equal((await warden([...w.args, 'trip', '--reason', 'first'])).code, 0);
    assert.equal((await warden([...w.args, 'resume', '--reason', 'ok', '--by', 'al'])).code, 0);
    const stale = readFileSync(join(w.dataDir, 'circuit.json'), 'utf8'); // paused: false, event 2
    assert.equal((await warden([...w.args, 'trip', '--reason', 'second'])).code, 0);
    writeFileSync(join(w.dataDir, 'circuit.json'), stale); // as if the mirror write of trip 3 had failed
    const s = await warden([...w.args, 'status']);
    assert.equal(s.code, 1, 'still halted');
    assert.equal(circuit(w.dataDir).paused, true, 'repaired');
    assert.equal((await history(w.dataDir)).length, 3, 'no resume was recorded');
  });
});
