// The hot-path commands a shell or Python bot runs many times a day load only what they need:
// real `warden` processes, with a module-load hook recording every module they import.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { ROOT, workspace } from './helpers/cli.js';
import { commandGroups, commandWord } from '../src/cli/commands.js';

const HOOKS = mkdtempSync(join(tmpdir(), 'warden-loads-'));
writeFileSync(
  join(HOOKS, 'hooks.mjs'),
  "import { appendFileSync } from 'node:fs';\nexport async function load(url, ctx, next) { appendFileSync(process.env.WARDEN_LOAD_LOG, url + '\\n'); return next(url, ctx); }\n",
);
writeFileSync(
  join(HOOKS, 'register.mjs'),
  "import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n",
);
const TSX = pathToFileURL(createRequire(join(ROOT, 'package.json')).resolve('tsx')).href;

/** The modules a run of `warden ARGS` (the TypeScript sources, through tsx) loads. */
function loads(args: string[]): { code: number | null; modules: string[]; out: string } {
  const log = join(mkdtempSync(join(HOOKS, 'run-')), 'loads.txt');
  writeFileSync(log, '');
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      TSX,
      '--import',
      pathToFileURL(join(HOOKS, 'register.mjs')).href,
      join(ROOT, 'src', 'cli', 'main.ts'),
      ...args,
    ],
    { encoding: 'utf8', env: { ...process.env, WARDEN_LOAD_LOG: log }, timeout: 60_000 },
  );
  return {
    code: r.status,
    out: `${r.stdout}${r.stderr}`,
    modules: readFileSync(log, 'utf8')
      .split('\n')
      .filter((u) => u.startsWith('file:'))
      .map((u) => u.slice(pathToFileURL(ROOT).href.length + 1)),
  };
}

/**
 * What must never load on the hot path: the daemon, ccxt, the tuner, the evaluator, the simulator,
 * pg, and commander (the hot path parses with node:util; commander answers help and errors only).
 */
const HEAVY = [
  /node_modules\/commander\//,
  /^src\/cli\/program\.ts$/,
  /node_modules\/fastify\//,
  /node_modules\/ccxt\//,
  /node_modules\/pg\//,
  /^src\/daemon\//,
  /^src\/strategy\/(tune\/(tune\.|tune-history|tune-report|walk-forward)|evaluate\/evaluate\.|trade-log\/trade-log-scanner)/,
  /^src\/exchange\/simulator\//,
  /^src\/orders\//,
  /^src\/ops\//,
  /^src\/demo\//,
];

describe('warden CLI: lazy loading of the hot-path commands', () => {
  it('guard, check, heartbeat and status --json load nothing of the daemon, ccxt, the tuner, the simulator or commander', () => {
    const w = workspace({ heartbeats: [{ name: 'bot', periodSec: 60, graceSec: 60 }] });
    const runs: [string[], number][] = [
      [[...w.args, 'guard', '--', 'true'], 0],
      [[...w.args, 'check', 'NBA'], 0],
      [[...w.args, 'heartbeat', 'bot'], 0],
      [[...w.args, 'status', '--json'], 0],
    ];
    for (const [args, code] of runs) {
      const r = loads(args);
      assert.equal(r.code, code, `${args.join(' ')}: ${r.out}`);
      assert.ok(
        r.modules.some((m) => m.startsWith('src/cli/')),
        `the hook saw the CLI load: ${r.modules.length}`,
      );
      const heavy = r.modules.filter((m) => HEAVY.some((re) => re.test(m)));
      assert.deepEqual(heavy, [], `warden ${args.slice(4).join(' ')} loaded`);
    }
  });

  it('evaluate runs without commander, full then incremental, and leaves its argument errors to commander', () => {
    const w = workspace({});
    const log = join(w.dir, 'trades.jsonl');
    const line = (i: number): string =>
      `${JSON.stringify({ ts: `2026-05-04T0${i}:00:00.000Z`, sport: 'NBA', resolved: 'NO', pnl_c: -10, size: 1, entry_price_c: 10 })}\n`;
    writeFileSync(log, line(1));
    const args = [...w.args, 'evaluate', '--trades', log, '--state', join(w.dir, 's.json')];
    const now = ['--now', '2026-05-05T00:00:00Z', '--state-key', 'sports', '--json'];
    const modes: string[] = [];
    for (const extra of [line(2), line(3)]) {
      const r = loads([...args, ...now]);
      assert.equal(r.code, 0, r.out);
      assert.ok(r.modules.includes('src/cli/evaluate-command.ts'), 'the hook saw evaluate load');
      const cli = r.modules.filter((m) => /node_modules\/commander\/|^src\/cli\/program\.ts$/.test(m));
      assert.deepEqual(cli, [], 'warden evaluate loaded commander');
      const j = JSON.parse(r.out) as { read: { mode: string }; sports: Record<string, { n_30d: number }> };
      modes.push(`${j.read.mode} ${j.sports['NBA']?.n_30d}`);
      writeFileSync(log, extra, { flag: 'a' });
    }
    assert.deepEqual(modes, ['full 1', 'incremental 2']);
    for (const [bad, message] of [
      [['--bogus'], /error: unknown option '--bogus'/],
      [['--trip'], /error: option '--trip <x>' argument missing/],
    ] as [string[], RegExp][]) {
      const r = loads([...args, ...bad]);
      assert.equal(r.code, 1, r.out);
      assert.match(r.out, message);
    }
    // A value parseArgs refuses (a negative number after a space): commander reads it, as before.
    const neg = loads([...args, ...now, '--trip', '-0.5', '--full']);
    assert.equal(neg.code, 0, neg.out);
  });

  it('reads global options before or after the hot-path command, and leaves every argument error to commander', () => {
    const w = workspace({ heartbeats: [{ name: 'bot', periodSec: 60, graceSec: 60 }] });
    const [, config, , dataDir] = w.args as [string, string, string, string];
    for (const args of [
      ['status', '--json', '--config', config, '--data-dir', dataDir],
      [`--config=${config}`, 'status', `--data-dir=${dataDir}`, '--json'],
      ['heartbeat', '--data-dir', dataDir, 'bot', '--config', config, '--status', 'degraded'],
    ]) {
      const r = loads(args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.out}`);
      assert.ok(
        !r.modules.some((m) => /node_modules\/commander\//.test(m)),
        `${args.join(' ')} loaded commander`,
      );
    }
    const beat = loads(['status', '--json', ...w.args]);
    const hb = (JSON.parse(beat.out) as { heartbeats: { name: string; status: string }[] }).heartbeats;
    assert.deepEqual(
      hb.map((b) => [b.name, b.status]),
      [['bot', 'degraded']],
      'the beat went to the --data-dir given after the command',
    );
    const errors: [string[], RegExp][] = [
      [['heartbeat', ...w.args], /error: missing required argument 'name'/],
      [['status', '--bogus', ...w.args], /error: unknown option '--bogus'/],
      [['guard', ...w.args], /error: missing required argument 'cmd'/],
      [['heartbeat', 'bot', ...w.args, '--status'], /error: option '--status <status>' argument missing/],
      [['check', 'NBA', 'NHL', ...w.args], /error: too many arguments for 'check'/],
    ];
    for (const [args, message] of errors) {
      const r = loads(args);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.out}`);
      assert.match(r.out, message);
      assert.match(r.out, /Usage: warden /, "commander's usage line follows its error");
    }
    const help = loads(['check', '--help']);
    assert.equal(help.code, 0, help.out);
    assert.match(help.out, /Usage: warden check \[options\] <key>/);
    assert.match(help.out, /--data-dir <dir>/);
  });

  it('still loads every group for --help and an unknown command; serve loads the daemon only to run it', () => {
    const help = loads(['--help']);
    assert.equal(help.code, 0, help.out);
    for (const word of ['serve', 'tune', 'dlq', 'log', 'guard', 'migrate'])
      assert.match(help.out, new RegExp(`\\b${word}\\b`));
    const unknown = loads(['gaurd']);
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.out, /unknown command 'gaurd'/);
    assert.match(unknown.out, /guard/); // commander's suggestion needs every group loaded
    const serve = loads(['serve', '--help']);
    assert.equal(serve.code, 0, serve.out);
    assert.ok(serve.modules.includes('src/cli/serve.ts'), 'serve --help loads its group');
    assert.ok(!serve.modules.some((m) => m.startsWith('src/daemon/')), 'but not the daemon');
  });

  it("names in each group's list exactly the top-level commands it registers", async () => {
    for (const g of commandGroups) {
      const program = new Command('warden').enablePositionalOptions();
      (await g.load())(program);
      assert.deepEqual(program.commands.map((c) => c.name()).sort(), [...g.commands].sort());
    }
  });

  it('finds the command word past global options and their values', () => {
    assert.equal(commandWord(['--config', 'status', '--data-dir', 'd', 'guard', '--', 'x']), 'guard');
    assert.equal(commandWord(['--config=x', 'check', 'NBA']), 'check');
    assert.equal(commandWord(['--', 'status']), undefined);
    assert.equal(commandWord(['-V']), undefined);
  });
});
