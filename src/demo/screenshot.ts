// `npm run demo:screenshot [-- PNG]` (tsx src/demo/screenshot.ts [PNG]): the whole demo, and the
// dashboard as a phone shows it, taken by headless Chromium (playwright-core) during the run, right
// after the watchdog halted the frozen bot. Default PNG: docs/img/dashboard-demo.png (the README's).
// playwright-core and Chromium are development tools: this script is a checkout's, left out of the
// package's build (tsconfig.build.json); nothing in src/ imports it.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runDemo } from './demo.js';
import { DEFAULT_CHROMIUM, launchPhone } from './phone-browser.js';
import { ROOT } from './processes.js';

/** Opens the dashboard at `url` in a phone-sized page, waits for it to show the halt, and writes a PNG. */
export async function screenshotDashboard(
  url: string,
  path: string,
  chromiumPath: string = process.env['WARDEN_CHROMIUM'] ?? DEFAULT_CHROMIUM,
): Promise<string> {
  if (!existsSync(chromiumPath))
    throw new Error(
      `--screenshot: no Chromium at ${chromiumPath} (install it, e.g. apt-get install chromium, or set WARDEN_CHROMIUM)`,
    );
  let pw: typeof import('playwright-core');
  try {
    pw = await import('playwright-core');
  } catch (err) {
    throw new Error(
      `--screenshot needs playwright-core beside warden (npm install playwright-core): ${(err as Error).message}`,
      { cause: err },
    );
  }
  const out = resolve(path);
  const profile = mkdtempSync(join(tmpdir(), 'warden-demo-chromium-'));
  const ctx = await launchPhone(pw.chromium, profile, chromiumPath);
  try {
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    await page.goto(url);
    await page.locator('#status.halted').waitFor({ timeout: 30_000 });
    await page.locator('#heartbeats li').first().waitFor({ timeout: 30_000 });
    // the panels that fill from later polls (decisions, strategies): a moment, not a condition
    await page
      .locator('#decisions li')
      .first()
      .waitFor({ timeout: 5_000 })
      .catch(() => undefined);
    mkdirSync(dirname(out), { recursive: true });
    await page.screenshot({ path: out, fullPage: true });
    return out;
  } finally {
    await ctx.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

/** Runs the demo and takes the screenshot after its freeze step; exits 1 when either failed. */
async function main(png: string): Promise<void> {
  let taken: string | null = null;
  const ac = new AbortController();
  process.once('SIGINT', () => ac.abort());
  const r = await runDemo({
    signal: ac.signal,
    afterStep: async (step, run, say) => {
      if (step !== 'freeze' || run.daemonAddress === null) return;
      taken = await screenshotDashboard(run.daemonAddress, png);
      say(`screenshot of the dashboard (trading halted by the watchdog): ${taken}`);
    },
  });
  if (taken === null || r.failures.length > 0 || r.violations.length > 0) {
    process.stderr.write(
      `demo:screenshot failed: ${taken === null ? 'no screenshot taken; ' : ''}${[...r.failures, ...r.violations].join('; ')}\n`,
    );
    process.exitCode = 1;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href)
  await main(process.argv[2] ?? join(ROOT, 'docs', 'img', 'dashboard-demo.png'));
