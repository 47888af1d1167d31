// The dashboard in Debian's headless Chromium (playwright-core) against a real `warden serve`.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchPhone, DEFAULT_CHROMIUM } from '../src/demo/phone-browser.js';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ROOT, warden, workspace } from './helpers/cli.js';
import { startServe, type Serving } from './helpers/serve.js';
import { SqliteStore } from '../src/store/index.js';
import { canonicalPayload, createSqliteOrderStores } from '../src/orders/index.js';
import { KillSwitch } from '../src/killswitch/index.js';
import { DegradationManager, ModeRecorder } from '../src/modes/index.js';
import { ManualClock } from '../src/util/clock.js';

const CHROMIUM = DEFAULT_CHROMIUM;
const TOKEN = 'dash-token-7f3a9c';
const ARTIFACT = join(ROOT, 'test-artifacts', 'dashboard-phone.png');
const DOC_IMG = join(ROOT, 'docs', 'img', 'dashboard-phone.png');
const DAY = 86_400_000;
/** A halt reason that would run script if the page ever put data through innerHTML. */
const HOSTILE = 'venue maintenance <img src=x onerror="window.__xss=1">';

/** 60 days of trades: NBA wins steadily; NHL loses for 30 days (a trip), then wins. */
function tradeLog(path: string, now: number): void {
  const start = Math.floor(now / DAY) * DAY - 60 * DAY;
  let out = '';
  for (let d = 0; d < 60; d++)
    for (let i = 0; i < 10; i++) {
      const ts = new Date(start + d * DAY + i * 3_600_000).toISOString();
      out += `{"ts":"${ts}","sport":"NBA","resolved":"YES","pnl_c":${i % 3 === 0 ? -40 : 30},"size":2,"entry_price_c":50}\n`;
      out += `{"ts":"${ts}","sport":"NHL","resolved":"NO","pnl_c":${d < 30 ? -50 : 50},"size":1,"entry_price_c":50}\n`;
    }
  writeFileSync(path, out);
}

describe('the dashboard in headless Chromium, against a real warden serve', () => {
  let serving: Serving;
  let base: string;
  let ctx: BrowserContext;
  let page: Page;
  let profile: string;
  let dataArgs: string[];
  const seenUrls: string[] = [];
  const consoleErrors: string[] = [];
  /** Real degradation managers of three bots, recording into the daemon's store as bots do. */
  let botStore: SqliteStore;
  let botKs: KillSwitch;
  let maker: DegradationManager;
  const botParts: { close(): unknown }[] = [];

  before(async () => {
    // CI installs it (.ci/run); a machine without it fails here, loudly, rather than skipping.
    assert.ok(
      existsSync(CHROMIUM),
      `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) to run the dashboard test`,
    );
    const now = Date.now();
    const trades = join(mkdtempSync(join(tmpdir(), 'warden-dash-trades-')), 'trades.jsonl');
    tradeLog(trades, now);
    const w = workspace({
      heartbeats: [
        { name: 'bot', periodSec: 60 },
        { name: 'pricer', periodSec: 3600 },
      ],
      strategy: { trades, schedule: '0 0 1 1 *' },
    });
    dataArgs = w.args;
    writeFileSync(
      join(w.dataDir, 'strategy_state.json'),
      JSON.stringify({
        as_of: new Date(now).toISOString(),
        as_of_unix: now / 1000,
        strategies: {
          NBA: { status: 'active', roi_30d: 0.067, n_30d: 300, tripped_at: null },
          NHL: { status: 'blocked', roi_30d: -0.21, n_30d: 300, tripped_at: null, reason: 'roi below -5 %' },
        },
      }),
    );
    // Two dead letters, written into the store before the daemon opens it.
    const db = SqliteStore.open(join(w.dataDir, 'warden.db'));
    const stores = createSqliteOrderStores(db.database);
    for (const key of ['dl-1', 'dl-2'])
      await stores.dlq.enqueue({
        idempotencyKey: key,
        clientOrderId: null,
        payload: canonicalPayload({
          idempotencyKey: key,
          symbol: 'ETH/USDT',
          side: 'sell',
          type: 'limit',
          amount: 2,
          price: 3000,
        }),
        errors: [],
        attempts: 3,
        errorClass: 'ambiguous',
        reason: 'venue timeout',
        at: now,
      });
    await stores.close();
    await db.close();
    botStore = SqliteStore.open(join(w.dataDir, 'warden.db'));
    botKs = await KillSwitch.open({ store: botStore, dataDir: w.dataDir, pollMs: 0, source: 'test' });
    maker = new DegradationManager({ killSwitch: botKs, intervalMs: 0 });
    maker.report({ balance: 5000, equity: 5000, feedAgeMs: 20 });
    const arb = new DegradationManager({ killSwitch: botKs, intervalMs: 0 });
    arb.report({ balance: 2000, equity: 2000, feedAgeMs: 20 });
    arb.breakerChanged('open', now);
    botParts.push(maker, arb);
    for (const [bot, source] of [
      ['btc-maker', maker],
      ['eth-arb', arb],
    ] as const) {
      const r = new ModeRecorder({ repo: botStore.modes, bot, source, refreshMs: 5000 });
      await r.flush();
      botParts.push(r);
    }
    // sol-scalper last recorded FULL 10 minutes ago (its store clock 10 min behind): down, shown UNKNOWN
    const past = SqliteStore.open(join(w.dataDir, 'warden.db'), { clock: new ManualClock(now - 600_000) });
    await past.modes.claim({
      bot: 'sol-scalper',
      mode: 'FULL',
      reason: 'nominal',
      detail: 'all signals within limits',
      since: now - 900_000,
      host: 'vps-2',
      pid: 777,
      seq: 1,
    });
    await past.close();
    serving = await startServe(w.args, ['--port', '0'], { WARDEN_TOKEN: TOKEN });
    base = serving.printed;
    await post('/v1/heartbeat/bot', {});
    const intent = { symbol: 'BTC/USDT', side: 'buy', amount: 0.1, strategy: 'NBA' };
    assert.equal((await post('/v1/gate', intent)).status, 200);
    await post('/v1/killswitch', { action: 'trip', reason: HOSTILE, by: 'ops-script' });
    assert.equal((await post('/v1/gate', intent)).status, 403);
    profile = mkdtempSync(join(tmpdir(), 'warden-chromium-'));
    ctx = await launchPhone(chromium, profile, CHROMIUM);
    page = ctx.pages()[0] ?? (await ctx.newPage());
    page.on('request', (r) => seenUrls.push(r.url()));
    page.on('console', (m) => {
      // Chromium logs every non-2xx fetch as "Failed to load resource" (the 501 of /v1/mode): not a fault.
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource'))
        consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
  });

  after(async () => {
    for (const p of botParts.reverse()) await p.close();
    await botKs?.close();
    await botStore?.close();
    await ctx?.close();
    serving?.child.kill('SIGTERM');
    await serving?.exited;
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  const post = (path: string, body: unknown) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(body),
    });
  const state = async () =>
    (await (await fetch(`${base}/v1/killswitch`)).json()) as {
      halted: boolean;
      reason?: string;
      eventId: number | null;
      recent: { id: number; action: string; by: string; reason: string; clears: number | null }[];
    };

  it('loads with a CSP, and shows the halted state in red with its reason, as text', async () => {
    const res = await page.goto(`${base}/`);
    assert.equal(res?.status(), 200);
    assert.match(res!.headers()['content-security-policy'] ?? '', /script-src 'self'/);
    await page.locator('#status.halted').waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('#status-reason').textContent(), HOSTILE);
    assert.equal(await page.locator('#status img').count(), 0, 'the reason is never parsed as HTML');
    assert.equal(await page.evaluate('window.__xss'), undefined);
    const bg = await page.evaluate("getComputedStyle(document.getElementById('status')).backgroundColor");
    assert.equal(bg, 'rgb(183, 28, 28)', 'halted is red');
    assert.match((await page.locator('#resume-clears').textContent()) ?? '', /clears halt #\d+/);
  });

  it('shows heartbeat ages against their limits, strategies with a chart and trip markers, breakers and the mode', async () => {
    await page.locator('#heartbeats li[data-heartbeat="bot"] .badge.ok-bg').waitFor({ timeout: 30_000 });
    assert.match(
      (await page.locator('#heartbeats li[data-heartbeat="bot"]').textContent()) ?? '',
      /limit 2 min/,
    );
    // Configured and never seen: red, whatever its limit.
    await page
      .locator('#heartbeats li[data-heartbeat="pricer"] .badge.bad-bg', { hasText: 'never' })
      .waitFor();
    const nhl = page.locator('[data-strategy="NHL"]');
    await nhl.locator('svg.spark polyline').waitFor({ timeout: 30_000 });
    assert.match((await nhl.textContent()) ?? '', /blocked/);
    assert.match((await nhl.textContent()) ?? '', /-21\.0 %/);
    assert.ok((await nhl.locator('svg.spark path.trip').count()) >= 1, 'the trip is marked on the chart');
    assert.equal(await page.locator('[data-strategy="NBA"] svg.spark path.trip').count(), 0);
    assert.match((await page.locator('#breakers').textContent()) ?? '', /No dependency breakers/);
    // every bot's mode from the store; the one whose record is too old is UNKNOWN (red), never FULL
    await page.locator('#bot-modes li[data-bot="btc-maker"][data-mode="FULL"] .badge.ok-bg').waitFor();
    await page.locator('#bot-modes li[data-bot="eth-arb"][data-mode="REDUCE_ONLY"] .badge.warn-bg').waitFor();
    await page.locator('#bot-modes li[data-bot="sol-scalper"][data-mode="UNKNOWN"] .badge.bad-bg').waitFor();
    assert.match(
      (await page.locator('#bot-modes li[data-bot="sol-scalper"]').textContent()) ?? '',
      /last recorded FULL/,
    );
    // a transition in a bot reaches the page by /v1/events (the daemon's poll of the store)
    maker.report({ feedAgeMs: 120_000 });
    await page
      .locator('#bot-modes li[data-bot="btc-maker"][data-mode="OBSERVATION"]')
      .waitFor({ timeout: 15_000 });
    maker.report({ feedAgeMs: 10 });
    await page.locator('#bot-modes li[data-bot="btc-maker"][data-mode="FULL"]').waitFor({ timeout: 15_000 });
    await page.locator('#decisions li', { hasText: 'gate deny killswitch halted_deny_new_risk' }).waitFor();
    await page.locator('#decisions li', { hasText: 'gate allow gate allowed' }).waitFor();
    // the served gate's denials arrive live on /v1/events, and the counts of the last second
    const intent = { symbol: 'SOL/USDT', side: 'sell', amount: 3 };
    assert.equal((await post('/v1/gate', intent)).status, 403);
    await page
      .locator('#decisions li.gate-deny', { hasText: 'gate killswitch halted_deny_new_risk sell SOL/USDT' })
      .waitFor({ timeout: 15_000 });
    await page.locator('#gate-live', { hasText: '1 denied' }).waitFor({ timeout: 15_000 });
  });

  it('resumes from the form with the token, naming the halt it clears', async () => {
    const before = await state();
    assert.equal(before.halted, true);
    // A mutation without a token asks for it and sends nothing.
    await page.locator('#resume-reason').fill('maintenance over');
    await page.locator('#resume-by').fill('alice');
    await page.locator('#resume-submit').click();
    await page.locator('#messages p.error', { hasText: 'Enter the API token' }).waitFor();
    assert.equal((await state()).halted, true);
    await page.locator('#token').fill(TOKEN);
    await page.locator('#token-save').click();
    await page.locator('#resume-submit').click();
    await page.locator('#status.running').waitFor({ timeout: 30_000 });
    const after = await state();
    assert.equal(after.halted, false);
    const resume = after.recent.find((e) => e.action === 'resume')!;
    assert.equal(resume.by, 'alice');
    assert.equal(resume.reason, 'maintenance over');
    assert.equal(resume.clears, before.eventId, 'the resume names the halt it cleared');
  });

  it('trips from the big button after a reason and a confirmation (the store shows the trip)', async () => {
    await page.locator('#trip-open').click();
    await page.locator('#trip-reason').fill('phone: spread blew out');
    await page.locator('#trip-by').fill('alice');
    await page.locator('#trip-submit').click();
    // Not confirmed: nothing is sent.
    assert.equal((await state()).halted, false);
    await page.locator('#trip-confirm').check();
    await page.locator('#trip-submit').click();
    await page.locator('#status.halted').waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('#status-reason').textContent(), 'phone: spread blew out');
    const st = await warden([...dataArgs, 'status', '--json']);
    assert.equal(st.code, 1, 'warden status exits 1: halted');
    const s = JSON.parse(st.stdout) as { reason: string; by: string };
    assert.equal(s.reason, 'phone: spread blew out');
    assert.equal(s.by, 'alice');
    mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: ARTIFACT });
    await page.screenshot({ path: ARTIFACT.replace('.png', '-full.png'), fullPage: true });
    if (process.env['WARDEN_UPDATE_SCREENSHOT'] === '1') copyFileSync(ARTIFACT, DOC_IMG);
  });

  it('lists the DLQ: Resolve asks for a note and closes the entry; Replay without an exchange says why', async () => {
    const rows = page.locator('#dlq li[data-dlq]');
    await rows.first().waitFor({ timeout: 30_000 });
    assert.equal(await rows.count(), 2);
    const [first, second] = [rows.nth(0), rows.nth(1)];
    const firstId = await first.getAttribute('data-dlq');
    page.once('dialog', (d) => void d.accept('checked by hand on the venue: filled'));
    await first.locator('button', { hasText: 'Resolve' }).click();
    await page
      .locator(`#dlq li[data-dlq="${firstId}"]`, { hasText: 'resolved' })
      .waitFor({ timeout: 30_000 });
    const entries = (
      (await (await fetch(`${base}/v1/dlq`)).json()) as {
        entries: { id: number; status: string; note: string }[];
      }
    ).entries;
    const resolved = entries.find((e) => String(e.id) === firstId)!;
    assert.equal(resolved.status, 'resolved');
    assert.equal(resolved.note, 'checked by hand on the venue: filled');
    page.once('dialog', (d) => void d.accept());
    await second.locator('button', { hasText: 'Replay' }).click();
    await page
      .locator('#messages p.error', { hasText: 'replay needs an exchange' })
      .waitFor({ timeout: 30_000 });
  });

  it('follows the event stream: a resume made elsewhere turns the page green without a reload', async () => {
    await page.evaluate('window.__same = true');
    await page.locator('#live-state', { hasText: 'live' }).waitFor({ timeout: 30_000 });
    const haltId = (await state()).eventId;
    const r = await post('/v1/killswitch', { action: 'resume', reason: 'from the CLI', by: 'bob', haltId });
    assert.equal(r.status, 200);
    await page.locator('#status.running').waitFor({ timeout: 30_000 });
    assert.equal(await page.evaluate('window.__same'), true, 'no reload');
  });

  it('never put the token in a URL, and raised no script error or CSP violation', () => {
    assert.ok(seenUrls.length > 5);
    for (const u of seenUrls) assert.doesNotMatch(u, new RegExp(TOKEN));
    assert.deepEqual(consoleErrors, []);
    assert.doesNotMatch(serving.output().stdout + serving.output().stderr, new RegExp(TOKEN));
  });
});
