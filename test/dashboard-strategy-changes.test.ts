// Fleet mode (PostgreSQL, own schema on the shared server): the dashboard of a real `warden serve`
// on a host with no trade log shows the store's recorded strategy changes (who, what, why, when,
// the version) on each strategy's card, in Debian's headless Chromium (playwright-core).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchPhone, DEFAULT_CHROMIUM } from '../src/demo/phone-browser.js';
import { chromium, type BrowserContext } from 'playwright-core';
import { createTestSchema, type TestSchema } from './helpers/pg-test-schema.js';
import { startServe, type Serving } from './helpers/serve.js';
import { warden, workspace } from './helpers/cli.js';

const CHROMIUM = DEFAULT_CHROMIUM;
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("the dashboard shows the store's recorded strategy changes (fleet mode, headless Chromium)", () => {
  const schemas: TestSchema[] = [];
  const dirs: string[] = [];
  let serving: Serving | undefined;
  let ctx: BrowserContext | undefined;
  after(async () => {
    await ctx?.close();
    serving?.child.kill('SIGTERM');
    await serving?.exited;
    for (const s of schemas.splice(0)) await s.drop();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('lists a block and an unblock made from other processes on the card, newest first', async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`);
    const db = await createTestSchema();
    schemas.push(db);
    const store = { kind: 'postgres', url: db.url, schema: db.schema };
    const host = workspace({ store, fleet: { leaderRetryMs: 300 } });
    const other = workspace({ store }, { init: false });
    dirs.push(host.dir, other.dir);
    serving = await startServe(host.args, ['--port', '0']);
    const base = serving.printed;
    const cli = (...args: string[]) => warden([...host.args, 'strategy', ...args]);
    const b = await cli('block', 'nba', '--reason', 'injury news', '--by', 'alice');
    assert.equal(b.code, 0, b.stderr);
    const u = await cli('unblock', 'nba', '--reason', 'news priced in', '--by', 'bob');
    assert.equal(u.code, 0, u.stderr);

    // The API first: no trade log on this host, and still the recorded changes.
    type History = { strategies: unknown[]; tradeLog: { status: string }; changes: { events: unknown[] } };
    let hist = null as History | null;
    const end = Date.now() + 10_000;
    while (Date.now() < end) {
      const r = await fetch(`${base}/v1/strategies/history`);
      if (r.status === 200) {
        hist = (await r.json()) as History;
        break;
      }
      await wait(100);
    }
    assert.ok(hist, 'history answers 200 once the store has changes');
    assert.deepEqual(hist.strategies, []);
    assert.equal(hist.tradeLog.status, 'missing');
    assert.equal(hist.changes.events.length, 2);

    const profile = mkdtempSync(join(tmpdir(), 'warden-chromium-'));
    dirs.push(profile);
    ctx = await launchPhone(chromium, profile, CHROMIUM);
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${base}/`);
    const items = page.locator('[data-strategy="nba"] ul.changes li');
    await items.first().waitFor({ timeout: 30_000 });
    assert.equal(await items.count(), 2);
    assert.match((await items.nth(0).textContent()) ?? '', /^v2 unblock by bob: news priced in · \d{4}-/);
    assert.match((await items.nth(1).textContent()) ?? '', /^v1 block by alice: injury news · \d{4}-/);
    assert.equal(await items.nth(0).getAttribute('data-change'), 'unblock');
    assert.match((await page.locator('[data-strategy="nba"]').textContent()) ?? '', /active/);
    assert.deepEqual(errors, []);
  });
});
