// Channel endpoints that echo the request in their error: a real local HTTP server answers
// every alert with the request's path (raw, JSON-escaped with `\/`, URL-encoded), each path
// segment and each token part, then 100 KB of padding. Real `warden trip` processes send to
// Telegram, Slack, Discord and a webhook pointed at it; no fragment of any secret may reach
// their stderr, the outbox rows in the SQLite store, or `warden audit export`, and the stored
// response bodies are cut short.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import Database from 'better-sqlite3';
import { warden, workspace } from './helpers/cli.js';
import { SqliteStore } from '../src/store/index.js';
import { MAX_STORED_ERROR } from '../src/alerts/index.js';

const BOT_ID = '7312345678';
const BOT_SECRET = 'AAHfV9x-Qk3_zZp0LmNoPqRsTuVwXyZaB12';
const TOKEN = `${BOT_ID}:${BOT_SECRET}`;
const SLACK = ['T04ABCD1234', 'B05EFGH5678', 'xoxbW3bh00kS3cr3tV4lue24'];
const DISCORD = [
  '1187654321098765432',
  'dXs-9Kq_Zt8vYw7uXr6sQp5oNm4lKj3iHg2fEd1cBa0-ZyXwVuTsRqPoNmLkJiHgFeDcBa98',
];
const HOOK_KEY = 'k3y-s3cr3t-v4lue-0042';
const HOOK_SEGMENT = 'relay-9f8e7d6c5b4a';

/** The forms in which an endpoint may echo a request path: whole, escaped, encoded, in pieces. */
function echoForms(path: string): string[] {
  const segments = path
    .split(/[/?=&]/)
    .filter((s) => s.length >= 6 && !['webhooks', 'services', 'sendMessage'].includes(s));
  const parts = segments.flatMap((s) => s.split(':')).filter((p) => !segments.includes(p));
  return [
    path,
    path.replace(/\//g, '\\/'),
    encodeURIComponent(path),
    encodeURIComponent(path).replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()),
    ...segments,
    ...parts,
  ];
}

/**
 * The answer to the `n`th request on a path: one echoed form at the start, the same form again
 * straddling the 200-character snippet cut (cut before masking, its prefix would stay), the
 * request body, then padding.
 */
function echo(path: string, n: number, body: string, padding: number): string {
  const forms = echoForms(path);
  const form = forms[n % forms.length]!;
  const gap = 'x'.repeat(Math.max(1, 200 - 6 - form.length - 2));
  return `${form} ${gap} ${form} | you sent ${body.slice(0, 80)} ${'p'.repeat(padding)}`;
}

/** Every fragment that identifies a secret, in every form it must not appear in. */
function forbidden(base: string): string[] {
  const urls = [
    `${base}/bot${TOKEN}/sendMessage`,
    `${base}/services/${SLACK.join('/')}`,
    `${base}/api/webhooks/${DISCORD.join('/')}`,
    `${base}/hooks/${HOOK_SEGMENT}?key=${HOOK_KEY}`,
  ];
  const fragments = [TOKEN, BOT_ID, BOT_SECRET, ...SLACK, ...DISCORD, HOOK_KEY, HOOK_SEGMENT];
  const out = new Set<string>();
  for (const f of [...urls, ...urls.map((u) => new URL(u).pathname), ...fragments]) {
    out.add(f);
    out.add(f.replace(/\//g, '\\/'));
    out.add(encodeURIComponent(f));
    out.add(encodeURIComponent(f).toLowerCase());
    // The first 8 characters: a prefix left by a cut is a leak too.
    if (fragments.includes(f)) out.add(f.slice(0, 8));
  }
  return [...out];
}

const leaks = (text: string, base: string): string[] => forbidden(base).filter((f) => text.includes(f));

describe('secrets echoed by channel endpoints (real processes, local echo server)', () => {
  let server: Server;
  let base = '';
  /** Requests seen per channel (the first path segment). */
  const seen = new Map<string, number>();
  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const path = req.url ?? '';
        const key = path.split('/')[1]!;
        const n = seen.get(key) ?? 0;
        seen.set(key, n + 1);
        if (key === 'services' || key === 'hooks') {
          // Slack and the webhook: plain text, 100 KB (read only in part), 500 (retried later).
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(echo(path, n, body, 100_000));
          return;
        }
        // Telegram and Discord: JSON as PHP and some proxies write it, every `/` escaped as `\/`; 400.
        const text = echo(path, n, body, 30_000);
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: false, description: text, message: text }).replace(/\//g, '\\/'));
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(() => server.close());

  it('keeps every fragment out of stderr, the outbox and the audit export, and truncates stored bodies', async () => {
    const w = workspace({
      alerts: {
        channels: [
          { type: 'telegram', chatId: -100123, apiBase: base },
          { type: 'slack', urlEnv: 'T_SLACK_URL' },
          { type: 'discord', urlEnv: 'T_DISCORD_URL' },
          { type: 'webhook', urlEnv: 'T_HOOK_URL' },
        ],
      },
    });
    const env = {
      WARDEN_TELEGRAM_TOKEN: TOKEN,
      T_SLACK_URL: `${base}/services/${SLACK.join('/')}`,
      T_DISCORD_URL: `${base}/api/webhooks/${DISCORD.join('/')}`,
      T_HOOK_URL: `${base}/hooks/${HOOK_SEGMENT}?key=${HOOK_KEY}`,
    };
    const exportDir = mkdtempSync(join(tmpdir(), 'warden-audit-echo-'));
    try {
      // One trip per round; each channel's endpoint echoes the next form each time it is called,
      // until every channel has echoed every form (retries of the 500s count too).
      const paths = Object.values(env).map((u) => (u.startsWith('http') ? new URL(u) : null));
      const formsOf = (key: string) => {
        const url =
          key === 'bot'
            ? `${base}/bot${TOKEN}/sendMessage`
            : paths.find((u) => u?.pathname.startsWith(`/${key}/`));
        const u = typeof url === 'string' ? new URL(url) : url!;
        return echoForms(`${u.pathname}${u.search}`).length;
      };
      const keys = [`bot${TOKEN}`, 'services', 'api', 'hooks'];
      const done = () => keys.every((k) => (seen.get(k) ?? 0) >= formsOf(k.startsWith('bot') ? 'bot' : k));
      let stderr = '';
      for (let round = 0; round < 15 && !done(); round++) {
        const trip = await warden([...w.args, 'trip', '--reason', `echo test ${round}`], { env });
        assert.equal(trip.code, 0, trip.stderr);
        stderr += trip.stderr;
      }
      assert.ok(done(), `every channel echoed every form: ${JSON.stringify([...seen])}`);
      assert.match(
        stderr,
        /warden alerts: telegram: .*failed: HTTP 400 from http:\/\/127\.0\.0\.1:\d+\/\*\*\*/,
      );
      assert.match(stderr, /warden alerts: slack: .*failed: HTTP 500/);
      assert.deepEqual(leaks(stderr, base), [], 'stderr of warden trip');

      // Rows written before this fix (by an older Warden) carry the secrets: the export must mask them.
      const store = SqliteStore.open(join(w.dataDir, 'warden.db'));
      const old = await store.alerts.enqueue({
        channel: 'telegram',
        dedupeKey: 'old-row',
        severity: 'critical',
        title: 'old',
        body: 'old',
        createdAt: Date.now(),
      });
      await store.alerts.markFailed(
        old!.id,
        `HTTP 401: ${BOT_SECRET} ${env.T_SLACK_URL} ${DISCORD[1]}`,
        null,
      );
      await store.close();

      const db = new Database(join(w.dataDir, 'warden.db'), { readonly: true });
      const rows = db
        // Rows not tried yet (held behind a failing one of their channel) have no error to check.
        .prepare(
          "SELECT channel, status, last_error FROM alert_outbox WHERE dedupe_key != 'old-row' AND last_error IS NOT NULL",
        )
        .all() as { channel: string; status: string; last_error: string }[];
      db.close();
      assert.deepEqual([...new Set(rows.map((r) => r.channel))].sort(), [
        'discord',
        'slack',
        'telegram',
        'webhook',
      ]);
      for (const r of rows) {
        assert.deepEqual(leaks(r.last_error, base), [], `outbox row of ${r.channel}: ${r.last_error}`);
        assert.ok(
          r.last_error.length <= MAX_STORED_ERROR,
          `${r.channel}: ${r.last_error.length} chars stored`,
        );
        assert.match(r.last_error, /\*\*\* x{20}/, `${r.channel}: the start of the answer is kept, masked`);
        assert.doesNotMatch(
          r.last_error,
          /p{200}/,
          `${r.channel}: at most 200 characters of the answer are stored`,
        );
      }

      const ex = await warden([...w.args, 'audit', 'export', exportDir], { env });
      assert.equal(ex.code, 0, ex.stderr);
      assert.deepEqual(leaks(ex.stdout + ex.stderr, base), []);
      const exported = readdirSync(exportDir, { recursive: true, encoding: 'utf8' })
        .map((f) => join(exportDir, f))
        .filter((f) => statSync(f).isFile());
      assert.ok(exported.some((f) => f.endsWith('alerts.jsonl')));
      for (const f of exported) {
        assert.deepEqual(leaks(readFileSync(f, 'utf8'), base), [], `exported ${f}`);
      }
      assert.match(readFileSync(join(exportDir, 'alerts.jsonl'), 'utf8'), /HTTP 401: \*\*\*/);
    } finally {
      rmSync(exportDir, { recursive: true, force: true });
      rmSync(w.dir, { recursive: true, force: true });
    }
  });
});
