// The Warden dashboard: one page, no framework, no other origin. Every value from the API goes
// into the page through textContent or setAttribute, never parsed as HTML. The token is kept in
// localStorage and sent only as an Authorization header, never in a URL; the event stream is read
// with fetch (EventSource cannot send a header), so it works where reads need the token too.
'use strict';

const TOKEN_KEY = 'warden.token';
const NAME_KEY = 'warden.name';
const SVG = 'http://www.w3.org/2000/svg';

const $ = (id) => document.getElementById(id);
const token = () => localStorage.getItem(TOKEN_KEY) || '';

/** An element with a class and text (or children). */
function el(tag, cls, ...children) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  for (const c of children) e.append(c instanceof Node ? c : String(c));
  return e;
}

function svg(tag, attrs) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

function say(text, error = false) {
  const p = el('p', error ? 'error' : '', text);
  const box = $('messages');
  box.prepend(p);
  while (box.childElementCount > 3) box.lastElementChild.remove();
  setTimeout(() => p.remove(), 15_000);
}

const ago = (ms) => {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return 'never';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} d`;
};
const when = (ms) =>
  typeof ms === 'number' ? new Date(ms).toISOString().replace('T', ' ').slice(0, 19) + 'Z' : '';
const pct = (x) => (typeof x === 'number' && Number.isFinite(x) ? `${(x * 100).toFixed(1)} %` : 'n/a');

/** One call to the daemon: the token as a bearer header when there is one. */
async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  const t = token();
  if (t) headers.authorization = `Bearer ${t}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, {
    method,
    headers,
    cache: 'no-store',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  try {
    data = await res.json();
  } catch {
    data = null;
  }
  return { ok: res.ok, status: res.status, data };
}

const errorOf = (r) => (r.data && typeof r.data.error === 'string' ? r.data.error : `HTTP ${r.status}`);

/** A mutation: asks for the token first when none is stored. */
async function mutate(path, body) {
  if (!token()) {
    say('Enter the API token first (bottom of the page): it is asked once and kept in this browser.', true);
    $('token').focus();
    return null;
  }
  const r = await api('POST', path, body);
  if (!r.ok) say(`${path}: ${errorOf(r)}`, true);
  return r;
}

// ---- kill switch -------------------------------------------------------------------------------

let halt = null;

function renderHalt(s) {
  halt = s;
  const head = $('status');
  head.classList.remove('unknown', 'running', 'halted');
  head.classList.add(s.halted ? 'halted' : 'running');
  $('status-title').textContent = s.halted ? 'HALTED: new risk denied' : 'TRADING ALLOWED';
  $('status-reason').textContent = s.halted ? s.reason : '';
  $('status-meta').textContent = s.halted
    ? `since ${when(s.since)} · by ${s.by ?? 'unknown'} · source ${s.source} · halt #${s.eventId ?? 'none'}`
    : `checked ${when(s.checkedAt)}`;
  $('trip-open').hidden = s.halted;
  if (s.halted) $('trip-form').hidden = true;
  $('resume-form').hidden = !s.halted;
  $('resume-clears').textContent = s.halted
    ? `This resume clears halt #${s.eventId ?? 'none'} (${s.reason}). A newer trip is never cleared by it.`
    : '';
}

async function loadHalt() {
  const r = await api('GET', '/v1/killswitch');
  if (r.ok) renderHalt(r.data);
  else {
    $('status').className = 'status halted';
    $('status-title').textContent = 'UNKNOWN: treat as halted';
    $('status-reason').textContent = errorOf(r);
  }
}

function wireKillSwitch() {
  const name = localStorage.getItem(NAME_KEY) || '';
  $('trip-by').value = name;
  $('resume-by').value = name;
  $('trip-open').addEventListener('click', () => {
    $('trip-form').hidden = false;
    $('trip-open').hidden = true;
    $('trip-reason').focus();
  });
  $('trip-cancel').addEventListener('click', () => {
    $('trip-form').hidden = true;
    $('trip-open').hidden = false;
  });
  $('trip-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const reason = $('trip-reason').value.trim();
    if (!reason || !$('trip-confirm').checked) return;
    const by = $('trip-by').value.trim();
    if (by) localStorage.setItem(NAME_KEY, by);
    const r = await mutate('/v1/killswitch', { action: 'trip', reason, by: by || 'dashboard' });
    if (r && r.ok) {
      $('trip-reason').value = '';
      $('trip-confirm').checked = false;
      say('Kill switch tripped.');
      await loadHalt();
    }
  });
  $('resume-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const reason = $('resume-reason').value.trim();
    const by = $('resume-by').value.trim();
    if (!reason || !by || !halt) return;
    localStorage.setItem(NAME_KEY, by);
    const haltId = halt.eventId;
    const r = await mutate('/v1/killswitch', { action: 'resume', reason, by, haltId });
    if (r && r.ok) {
      $('resume-reason').value = '';
      say(`Resumed: halt #${haltId ?? 'none'} cleared.`);
    }
    await loadHalt();
  });
}

// ---- panels ------------------------------------------------------------------------------------

let beats = { now: Date.now(), at: Date.now(), heartbeats: [] };

function renderHeartbeats() {
  const list = $('heartbeats');
  list.replaceChildren();
  const skew = Date.now() - beats.at;
  if (beats.heartbeats.length === 0) list.append(el('li', 'note', 'No heartbeats configured or seen.'));
  for (const h of beats.heartbeats) {
    const age = h.ageMs === null ? null : h.ageMs + skew;
    let cls = '';
    if (age === null) cls = h.configured ? 'bad-bg' : '';
    else if (h.maxAgeMs !== null)
      cls = age > h.maxAgeMs ? 'bad-bg' : age > 0.8 * h.maxAgeMs ? 'warn-bg' : 'ok-bg';
    const limit = h.maxAgeMs === null ? 'schedule' : `limit ${ago(h.maxAgeMs)}`;
    const li = el(
      'li',
      '',
      el('span', 'grow', h.name),
      el('span', `badge ${cls}`, ago(age)),
      el('span', 'note', limit),
    );
    li.dataset.heartbeat = h.name;
    list.append(li);
  }
}

async function loadHeartbeats() {
  const r = await api('GET', '/v1/heartbeats');
  if (r.ok) beats = { ...r.data, at: Date.now() };
  renderHeartbeats();
}

const modeClass = (mode) =>
  mode === 'FULL' ? 'ok-bg' : mode === 'SHUTDOWN' || mode === 'UNKNOWN' ? 'bad-bg' : 'warn-bg';

/** The daemon's own mode (when it has one) and every bot's mode from the store. */
function renderMode(m) {
  const box = $('mode');
  const list = $('instruments');
  const bots = $('bot-modes');
  list.replaceChildren();
  bots.replaceChildren();
  box.replaceChildren();
  if (!m) return;
  if (m.mode) {
    box.append(
      el('span', `badge ${modeClass(m.mode)}`, m.mode),
      ' ',
      el('span', 'note', `${m.reason} · since ${when(m.since)}`),
    );
    if (m.detail) box.append(el('div', 'note', m.detail));
  }
  if (Array.isArray(m.bots)) {
    if (m.bots.length === 0 && !m.mode) box.append(el('span', 'note', 'No bot has recorded a mode yet.'));
    for (const b of m.bots) {
      const li = el(
        'li',
        '',
        el('span', 'grow', b.bot),
        el('span', `badge ${modeClass(b.mode)}`, b.mode),
        el('span', 'note', b.stale ? b.detail : `${b.reason} · since ${when(b.since)}`),
      );
      li.dataset.bot = b.bot;
      li.dataset.mode = b.mode;
      bots.append(li);
    }
  }
  for (const i of m.instruments ?? []) {
    const c = i.mode === 'FULL' ? 'ok-bg' : 'warn-bg';
    list.append(
      el(
        'li',
        '',
        el('span', 'grow', i.symbol),
        el('span', `badge ${c}`, i.mode),
        el('span', 'note', ago(i.ageMs)),
      ),
    );
  }
}

async function loadMode() {
  const r = await api('GET', '/v1/mode');
  if (r.ok) renderMode(r.data);
  else {
    renderMode(null);
    $('mode').replaceChildren(
      el(
        'span',
        r.status === 501 ? 'note' : 'badge bad-bg',
        r.status === 501 ? 'not tracked by this daemon' : `UNKNOWN: ${errorOf(r)}`,
      ),
    );
  }
}

/** A served gate decision from `/v1/events`: a denial goes on top of the list, counts on the line above it. */
function onGate(g) {
  if (g.summary) {
    $('gate-live').textContent =
      `served gate, last ${Math.round(g.windowMs / 1000)} s: ${g.allowed} allowed, ${g.denied} denied` +
      (g.suppressed > 0 ? ` (${g.suppressed} not listed)` : '');
    return;
  }
  const list = $('decisions');
  const li = el(
    'li',
    'gate-deny',
    el('span', 'badge bad-bg', 'deny'),
    el('span', 'grow', `gate ${g.layer} ${g.reason} ${g.side ?? ''} ${g.symbol ?? ''}`.trim()),
    el('span', 'note', when(g.at)),
  );
  list.prepend(li);
  while (list.children.length > 20) list.lastElementChild.remove();
}

async function loadBreakers() {
  const r = await api('GET', '/v1/breakers');
  const list = $('breakers');
  list.replaceChildren();
  if (!r.ok) return list.append(el('li', 'note', errorOf(r)));
  if (r.data.breakers.length === 0) list.append(el('li', 'note', 'No dependency breakers in this process.'));
  for (const b of r.data.breakers) {
    const cls =
      b.state === 'closed' || b.state === 'forced-closed'
        ? 'ok-bg'
        : b.state === 'half-open'
          ? 'warn-bg'
          : b.state === 'disabled'
            ? ''
            : 'bad-bg';
    list.append(
      el(
        'li',
        '',
        el('span', 'grow', b.name),
        el('span', `badge ${cls}`, b.state),
        el('span', 'note', `${ago(Date.now() - b.since)} · ${b.failures} failures · ${b.trips} trips`),
      ),
    );
  }
}

/** A small chart of cumulative P&L with trip (red, above) and recovery (green, below) markers. */
function spark(h) {
  const W = 200;
  const H = 48;
  const s = svg('svg', {
    class: 'spark',
    viewBox: `0 0 ${W} ${H}`,
    preserveAspectRatio: 'none',
    role: 'img',
  });
  const t = svg('title', {});
  t.textContent = `${h.key}: cumulative P&L, ${h.trips.length} trip(s), ${h.recoveries.length} recovery(ies)`;
  s.append(t);
  const v = h.pnl;
  if (v.length === 0) return s;
  const lo = Math.min(0, ...v);
  const hi = Math.max(0, ...v);
  const span = hi - lo || 1;
  const x = (d) => (W * d) / Math.max(1, v.length - 1);
  const y = (p) => H - 6 - ((H - 12) * (p - lo)) / span;
  s.append(svg('line', { class: 'zero', x1: 0, x2: W, y1: y(0), y2: y(0) }));
  s.append(
    svg('polyline', {
      class: 'line',
      points: v.map((p, d) => `${x(d).toFixed(1)},${y(p).toFixed(1)}`).join(' '),
    }),
  );
  for (const d of h.trips)
    s.append(svg('path', { class: 'trip', d: `M${x(d).toFixed(1)},${y(v[d]) - 3}l-3,-5h6z` }));
  for (const d of h.recoveries)
    s.append(svg('path', { class: 'recovery', d: `M${x(d).toFixed(1)},${y(v[d]) + 3}l-3,5h6z` }));
  return s;
}

/** The store's recorded changes of one key (newest first, at most 3): who, what, why, when. */
function recordedChanges(events) {
  const ul = el('ul', 'changes');
  for (const e of events.slice(-3).reverse()) {
    const what = e.action === 'evaluate' ? 'evaluation' : e.action;
    const li = el('li', 'note', `v${e.version} ${what} by ${e.by}: ${e.reason} · ${when(e.at)}`);
    li.dataset.change = e.action;
    ul.append(li);
  }
  return ul;
}

async function loadStrategies() {
  const [st, hist] = await Promise.all([
    api('GET', '/v1/strategies'),
    api('GET', '/v1/strategies/history?days=90'),
  ]);
  const box = $('strategies');
  box.replaceChildren();
  const charts =
    hist.ok && hist.data.strategies.length > 0
      ? ` · charts: cumulative P&L from ${hist.data.from}, red = trip, green = recovery (replayed with the configured rules)`
      : '';
  $('strategies-note').textContent = st.ok
    ? `state as of ${st.data.as_of ?? 'unknown'}${charts}`
    : errorOf(st);
  if (!st.ok) return;
  const histories = new Map(hist.ok ? hist.data.strategies.map((h) => [h.key, h]) : []);
  // The store's audit rows (fleet mode: every host's evaluations, blocks and unblocks), per key.
  const changes = new Map();
  const recorded =
    hist.ok && hist.data.changes && hist.data.changes.status === 'ok' ? hist.data.changes.events : [];
  for (const e of recorded) if (e.key !== null) changes.set(e.key, [...(changes.get(e.key) ?? []), e]);
  for (const [key, e] of Object.entries(st.data.strategies)) {
    const cls = e.status === 'active' ? 'ok-bg' : e.status === 'blocked' ? 'bad-bg' : 'warn-bg';
    const roi = el('span', `roi ${e.roi_30d < 0 ? 'neg' : 'pos'}`, pct(e.roi_30d));
    const card = el(
      'div',
      'card',
      el('div', 'card-head', el('span', '', key), el('span', `badge ${cls}`, e.status)),
      el('div', '', roi, el('span', 'note', ` 30 d · ${e.n_30d ?? 0} trades`)),
    );
    card.dataset.strategy = key;
    const h = histories.get(key);
    if (h) card.append(spark(h));
    if (e.reason) card.append(el('div', 'note', e.reason));
    const c = changes.get(key);
    if (c) card.append(recordedChanges(c));
    box.append(card);
  }
}

async function loadDlq() {
  const r = await api('GET', '/v1/dlq?limit=50');
  const list = $('dlq');
  list.replaceChildren();
  if (!r.ok) return list.append(el('li', 'note', errorOf(r)));
  if (r.data.entries.length === 0) list.append(el('li', 'note', 'Empty.'));
  for (const e of r.data.entries) {
    let what = e.idempotencyKey;
    try {
      const p = JSON.parse(e.payload);
      what = `${p.side ?? ''} ${p.amount ?? ''} ${p.symbol ?? ''}`.trim() || what;
    } catch {
      // keep the key
    }
    const li = el(
      'li',
      '',
      el('span', 'badge', `#${e.id}`),
      el('span', 'grow', `${what}: ${e.reason}`),
      el('span', 'note', e.status),
    );
    li.dataset.dlq = String(e.id);
    if (e.status === 'open') {
      const replay = el('button', '', 'Replay');
      replay.type = 'button';
      replay.addEventListener('click', async () => {
        if (
          !confirm(
            `Replay entry #${e.id} (${what})? The venue is asked first; the same idempotency key is used.`,
          )
        )
          return;
        const res = await mutate(`/v1/dlq/${e.id}/replay`);
        if (res && res.ok) say(`Entry #${e.id} replayed.`);
        await loadDlq();
      });
      const resolve = el('button', '', 'Resolve');
      resolve.type = 'button';
      resolve.addEventListener('click', async () => {
        const note = prompt(`Resolve entry #${e.id} by hand: a note for the record`);
        if (!note || !note.trim()) return;
        const res = await mutate(`/v1/dlq/${e.id}/resolve`, { note: note.trim() });
        if (res && res.ok) say(`Entry #${e.id} resolved.`);
        await loadDlq();
      });
      li.append(replay, resolve);
    }
    list.append(li);
  }
}

async function loadDecisions() {
  const list = $('decisions');
  const head = await api('GET', '/v1/decisions?since=0&limit=1');
  if (!head.ok) return list.replaceChildren(el('li', 'note', errorOf(head)));
  const since = Math.max(0, head.data.head.seq - 20);
  const r = await api('GET', `/v1/decisions?since=${since}&limit=20`);
  list.replaceChildren();
  if (!r.ok) return list.append(el('li', 'note', errorOf(r)));
  if (r.data.decisions.length === 0) list.append(el('li', 'note', 'None yet.'));
  for (const d of r.data.decisions.reverse()) {
    const data = d.data && typeof d.data === 'object' ? d.data : {};
    const verdict =
      typeof data.allow === 'boolean'
        ? `${data.allow ? 'allow' : 'deny'} ${data.layer ?? ''} ${data.reason ?? ''}`
        : '';
    list.append(
      el(
        'li',
        '',
        el('span', 'badge', `#${d.seq}`),
        el('span', 'grow', `${d.kind} ${verdict}`.trim()),
        el('span', 'note', when(d.at ?? d.ts)),
      ),
    );
  }
}

// ---- live updates ------------------------------------------------------------------------------

/** Reads `/v1/events` (server-sent events) with fetch, so the bearer header can go with it. */
async function follow() {
  const live = $('live-state');
  let wait = 1000;
  for (;;) {
    try {
      const headers = { accept: 'text/event-stream' };
      if (token()) headers.authorization = `Bearer ${token()}`;
      const res = await fetch('/v1/events', { headers, cache: 'no-store' });
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      live.textContent = 'live';
      wait = 1000;
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          let type = 'message';
          let data = '';
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) type = line.slice(7);
            else if (line.startsWith('data: ')) data += line.slice(6);
          }
          if (data) onEvent(type, JSON.parse(data));
        }
      }
      throw new Error('stream ended');
    } catch (err) {
      live.textContent = `reconnecting (${err instanceof Error ? err.message : String(err)})`;
      await new Promise((r) => setTimeout(r, wait));
      wait = Math.min(wait * 2, 30_000);
      await refresh();
    }
  }
}

function onEvent(type, data) {
  if (type === 'killswitch') renderHalt(data);
  else if (type === 'heartbeat') {
    void loadHeartbeats();
    void loadHalt();
  } else if (type === 'decision') void loadDecisions();
  else if (type === 'mode') void loadMode();
  else if (type === 'gate') onGate(data);
  else if (type === 'breaker') void loadBreakers();
  else if (type === 'alert' && data.outcome === 'failed')
    say(`alert on ${data.channel} failed: ${data.title}`, true);
}

async function refresh() {
  await Promise.allSettled([
    loadHalt(),
    loadHeartbeats(),
    loadMode(),
    loadBreakers(),
    loadStrategies(),
    loadDlq(),
    loadDecisions(),
  ]);
}

function wireToken() {
  const show = () =>
    ($('token-state').textContent = token()
      ? 'A token is saved in this browser.'
      : 'No token saved: reads only.');
  $('token-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const v = $('token').value.trim();
    if (v) localStorage.setItem(TOKEN_KEY, v);
    $('token').value = '';
    $('messages').replaceChildren();
    show();
  });
  $('token-forget').addEventListener('click', () => {
    localStorage.removeItem(TOKEN_KEY);
    show();
  });
  show();
}

wireToken();
wireKillSwitch();
void refresh();
void follow();
setInterval(renderHeartbeats, 5_000);
setInterval(() => void refresh(), 60_000);
