import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { writeSyntheticLog } from '../src/strategy/index.js';

const CHROMIUM = '/usr/bin/chromium';
let dir: string;

describe('warden tune report in headless Chromium', () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'warden-tune-html-'));
    writeSyntheticLog(join(dir, 'year.jsonl'), {
      lines: 60_000,
      strategies: 10,
      days: 365,
      degradations: true,
      seed: 3,
    });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints a table on stdout and writes the report', () => {
    const r = spawnSync(
      process.execPath,
      [
        resolve('bin/warden.js'),
        '--data-dir',
        join(dir, 'data'),
        'tune',
        '--trades',
        join(dir, 'year.jsonl'),
        '--label-field',
        'degraded',
        '--out',
        join(dir, 'out'),
      ],
      { cwd: dir, encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /trip\s+recover\s+min-n\s+window/);
    assert.match(r.stdout, /best: trip/);
    assert.equal(r.stderr.includes('['), false, 'no progress bar when stderr is not a TTY');
    assert.ok(existsSync(join(dir, 'out', 'report.html')));
    const bad = spawnSync(
      process.execPath,
      [resolve('bin/warden.js'), 'tune', '--trades', 'x', '--trip', '-0.05,abc'],
      { cwd: dir, encoding: 'utf8' },
    );
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /^warden: --trip must be a number \(got "abc"\)/);
  });

  it(
    'renders the heatmap and the equity curves with trip and recovery markers',
    { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} missing (apt-get install -y chromium)` },
    async () => {
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
        ],
      });
      try {
        const page = await browser.newPage();
        const requests: string[] = [];
        page.on('request', (r) => requests.push(r.url()));
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(String(e)));
        await page.goto(pathToFileURL(join(dir, 'out', 'report.html')).href);
        const heat = await page.locator('#heatmap').boundingBox();
        assert.ok(heat !== null && heat.width > 300 && heat.height > 150, JSON.stringify(heat));
        assert.equal(await page.locator('#heatmap rect.cell:not(.empty)').count(), 25);
        const fills = new Set(
          await page
            .locator('#heatmap rect.cell')
            .evaluateAll((els) => els.map((e) => e.getAttribute('fill'))),
        );
        assert.ok(fills.size > 1, 'the heatmap has more than one colour');
        assert.equal(await page.locator('svg.equity').count(), 10);
        const curve = await page.locator('svg.equity path.curve-protected').first().boundingBox();
        assert.ok(curve !== null && curve.width > 500 && curve.height > 10, JSON.stringify(curve));
        assert.ok((await page.locator('svg.equity .trip-marker').count()) >= 1);
        assert.ok((await page.locator('svg.equity .recover-marker').count()) >= 1);
        const marker = await page.locator('svg.equity .trip-marker').first().boundingBox();
        assert.ok(marker !== null && marker.width > 0);
        assert.deepEqual(errors, []);
        assert.deepEqual(
          requests.filter((u) => !u.startsWith('file:')),
          [],
          'no external assets',
        );
      } finally {
        await browser.close();
      }
    },
  );
});
