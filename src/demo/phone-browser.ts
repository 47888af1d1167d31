// Headless Chromium as a phone shows the dashboard: Debian's Chromium (never a downloaded one),
// the flags this closed network needs (no background networking, sync or component updates: their
// connections are refused, many at a time), a phone-sized page. Used by `npm run demo:screenshot`
// and the browser tests; a development tool (playwright-core is a devDependency), left out of the
// package's build (tsconfig.build.json) like screenshot.ts.
import type { BrowserContext, BrowserType } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`). */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/** Chromium's flags for a headless run as root on a machine that reaches no Google host. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A persistent context in `profile` (a new empty folder), with a phone's viewport and touch. */
export function launchPhone(
  chromium: BrowserType,
  profile: string,
  executablePath: string = DEFAULT_CHROMIUM,
): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: [...CHROMIUM_ARGS],
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
  });
}
