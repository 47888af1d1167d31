// The hot-path commands' validated-config cache (src/config/config-cache.ts), on real files: it is
// used only when it matches the config exactly, and anything else (an edit of the same size within
// the same second, a corrupt entry, another code or Node version, a symlink at its path, a data dir
// it cannot write) gives what full validation gives, errors included.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONFIG_CACHE_FILE, loadConfigCached } from '../src/config/config-cache.js';
import { loadConfig } from '../src/config/load-config.js';

const CODE = 'a'.repeat(64);

/** A workspace with a config (poll `pollMs`) and its data dir; the cache entry's path. */
function workspace(pollMs = 1000, makeDataDir = true) {
  const dir = mkdtempSync(join(tmpdir(), 'warden-config-cache-'));
  const configPath = join(dir, 'warden.config.json');
  const dataDir = join(dir, 'data');
  if (makeDataDir) mkdirSync(dataDir);
  writeConfig(configPath, pollMs);
  return { dir, configPath, dataDir, entry: join(dataDir, CONFIG_CACHE_FILE), opts: { configPath } };
}

function writeConfig(path: string, pollMs: number | string): void {
  writeFileSync(path, `{"dataDir": "data", "killSwitch": {"pollMs": ${pollMs}}}\n`);
}

/** Rewrites the entry's cached pollMs (and anything else), keeping what it is keyed by. */
type Entry = Record<string, unknown> & { config: { killSwitch: { pollMs: number } } };

function tamper(entry: string, change: (e: Entry) => void = () => undefined): void {
  const e = JSON.parse(readFileSync(entry, 'utf8')) as Entry;
  e.config.killSwitch.pollMs = 4242;
  change(e);
  writeFileSync(entry, JSON.stringify(e));
}

const poll = async (opts: { configPath: string }, code: string | null = CODE) =>
  (await loadConfigCached(opts, code)).config.killSwitch.pollMs;

describe('the validated-config cache of the hot-path commands', () => {
  it('is written after a validation and answers the next load of the same text', async () => {
    const w = workspace();
    assert.deepEqual(await loadConfigCached(w.opts, CODE), loadConfig(w.opts));
    assert.equal(statSync(w.entry).mode & 0o777, 0o600, 'it holds the config text: owner only');
    tamper(w.entry);
    assert.equal(await poll(w.opts), 4242, 'the second load came from the cache');
  });

  it('answers with the deprecation warnings of the file it validated', async () => {
    const w = workspace();
    writeFileSync(w.configPath, '{"dataDir": "data", "killSwitch": {"reminderTz": "UTC"}}\n');
    const full = loadConfig(w.opts);
    assert.equal(full.warnings?.length, 1);
    assert.deepEqual(await loadConfigCached(w.opts, CODE), full);
    tamper(w.entry);
    const cached = await loadConfigCached(w.opts, CODE);
    assert.equal(cached.config.killSwitch.pollMs, 4242, 'from the cache');
    assert.deepEqual(cached.warnings, full.warnings);
  });

  it('notices an edit of the same size within the same second (mtime put back too)', async () => {
    const w = workspace(1000);
    await loadConfigCached(w.opts, CODE);
    const before = statSync(w.configPath);
    writeConfig(w.configPath, 2000);
    utimesSync(w.configPath, before.atime, before.mtime);
    assert.equal(statSync(w.configPath).size, before.size);
    assert.equal(await poll(w.opts), 2000);
    // and an invalid edit of the same size fails as full validation does
    writeConfig(w.configPath, '"xy"');
    const expected = (() => {
      try {
        loadConfig(w.opts);
      } catch (err) {
        return err as Error;
      }
      throw new Error('the invalid config validated');
    })();
    await assert.rejects(loadConfigCached(w.opts, CODE), { name: 'ConfigError', message: expected.message });
  });

  it('ignores a corrupt entry, validates in full, and rewrites it', async () => {
    const w = workspace(1500);
    await loadConfigCached(w.opts, CODE);
    const good = readFileSync(w.entry, 'utf8');
    for (const bad of [
      '',
      'garbage',
      good.slice(0, good.length / 2),
      '[]',
      '{"format":"warden-config-cache-1"}',
    ]) {
      writeFileSync(w.entry, bad);
      assert.equal(await poll(w.opts), 1500, `entry ${JSON.stringify(bad.slice(0, 30))}`);
      assert.equal(readFileSync(w.entry, 'utf8'), good, 'rewritten');
    }
    tamper(w.entry, (e) => (e['warnings'] = [7]));
    assert.equal(await poll(w.opts), 1500, 'warnings that are not strings');
  });

  it('ignores an entry made by other code, another Node or for another config file', async () => {
    const w = workspace(1000);
    await loadConfigCached(w.opts, CODE);
    tamper(w.entry);
    assert.equal(await poll(w.opts, 'b'.repeat(64)), 1000, 'another build of Warden');
    tamper(w.entry, (e) => (e['node'] = 'v0.0.1'));
    assert.equal(await poll(w.opts), 1000, 'another Node (its ICU decides time zones)');
    tamper(w.entry, (e) => (e['source'] = join(w.dir, 'other.json')));
    assert.equal(await poll(w.opts), 1000, 'another config file');
    tamper(w.entry, (e) => (e['format'] = 'warden-config-cache-0'));
    assert.equal(await poll(w.opts), 1000, 'another format');
    tamper(w.entry);
    assert.equal(await poll(w.opts, null), 1000, 'no code id: no cache');
  });

  it('never reads through a symlink at its path, and replaces the link, not its target', async () => {
    const w = workspace(1000);
    await loadConfigCached(w.opts, CODE);
    tamper(w.entry); // a matching entry with another value, now reached only through a link
    const target = join(w.dir, 'elsewhere.json');
    writeFileSync(target, readFileSync(w.entry));
    const planted = readFileSync(target, 'utf8');
    rmSync(w.entry);
    symlinkSync(target, w.entry);
    assert.equal(await poll(w.opts), 1000);
    assert.equal(lstatSync(w.entry).isSymbolicLink(), false, 'the link was replaced by a cache file');
    assert.equal(readFileSync(target, 'utf8'), planted, 'the link target was not written');
  });

  it('still loads when it cannot write: no data dir (none is created), or its path taken', async () => {
    const w = workspace(1200, false);
    assert.equal(await poll(w.opts), 1200);
    assert.equal(existsSync(w.dataDir), false, 'a reader never creates the data dir');
    mkdirSync(join(w.dataDir, CONFIG_CACHE_FILE), { recursive: true }); // unwritable path
    assert.equal(await poll(w.opts), 1200);
    assert.equal(await poll(w.opts), 1200);
    assert.ok(statSync(w.entry).isDirectory());
  });

  it('writes nothing for a config that does not validate, and names the field as loadConfig does', async () => {
    const w = workspace(-5);
    await assert.rejects(loadConfigCached(w.opts, CODE), (err: Error) => {
      assert.throws(() => loadConfig(w.opts), { message: err.message });
      assert.match(err.message, /killSwitch\.pollMs/);
      return true;
    });
    assert.equal(existsSync(w.entry), false);
  });
});
