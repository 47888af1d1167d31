import type { TradeHistory } from './tune-history.js';
import type { CandidateScore, GroupRun } from './walk-forward.js';
import { DAY_MS } from '../evaluate/window-aggregate.js';

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function color(v: number, maxAbs: number): string {
  const t = maxAbs === 0 ? 0 : Math.max(-1, Math.min(1, v / maxAbs));
  // red (cost) .. white .. green (saved)
  const r = t < 0 ? 255 : Math.round(255 - 180 * t);
  const g = t > 0 ? Math.round(255 - 60 * t) : Math.round(255 + 180 * t);
  const b = Math.round(255 - 180 * Math.abs(t));
  return `rgb(${r},${g},${b})`;
}

function heatmap(scores: CandidateScore[], trips: number[], recovers: number[]): string {
  const best = new Map<string, CandidateScore>();
  for (const s of scores) {
    const k = `${s.trip}|${s.recover}`;
    const b = best.get(k);
    if (b === undefined || s.saved > b.saved) best.set(k, s);
  }
  const maxAbs = Math.max(0, ...[...best.values()].map((s) => Math.abs(s.saved)));
  const cw = 90;
  const ch = 36;
  const left = 90;
  const top = 30;
  const w = left + cw * recovers.length + 10;
  const h = top + ch * trips.length + 40;
  const cells: string[] = [];
  trips.forEach((t, i) => {
    cells.push(`<text x="${left - 8}" y="${top + ch * i + ch / 2 + 4}" text-anchor="end">${t}</text>`);
    recovers.forEach((r, j) => {
      const s = best.get(`${t}|${r}`);
      const x = left + cw * j;
      const y = top + ch * i;
      if (s === undefined) {
        cells.push(
          `<rect class="cell empty" x="${x}" y="${y}" width="${cw - 2}" height="${ch - 2}" fill="#eee"/>`,
        );
        return;
      }
      cells.push(
        `<rect class="cell" data-trip="${t}" data-recover="${r}" data-saved="${s.saved.toFixed(2)}" x="${x}" y="${y}" width="${cw - 2}" height="${ch - 2}" fill="${color(s.saved, maxAbs)}"><title>trip ${t}, recover ${r}, min-n ${s.minN}, window ${s.windowDays}d: saved $${s.saved.toFixed(2)}, caught ${s.caught}, false ${s.falseTrips}</title></rect>`,
        `<text x="${x + cw / 2 - 1}" y="${y + ch / 2 + 4}" text-anchor="middle">${s.saved.toFixed(0)}</text>`,
      );
    });
  });
  recovers.forEach((r, j) =>
    cells.push(
      `<text x="${left + cw * j + cw / 2}" y="${top + ch * trips.length + 16}" text-anchor="middle">${r}</text>`,
    ),
  );
  return `<svg id="heatmap" xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="12">
<text x="4" y="16">trip \\ recover (cell: $ saved at the best min-n and window)</text>
${cells.join('\n')}
</svg>`;
}

function curve(h: TradeHistory, run: GroupRun, gi: number): string {
  const g = h.groups[gi];
  if (g === undefined) return '';
  const W = 760;
  const H = 200;
  const pad = 30;
  const raw: number[] = [];
  const prot: number[] = [];
  let a = 0;
  let b = 0;
  for (let d = 0; d < h.days; d++) {
    a += (g.pnl[d] as number) / 100;
    if (run.blocked[d] !== 1) b += (g.pnl[d] as number) / 100;
    raw.push(a);
    prot.push(b);
  }
  const lo = Math.min(0, ...raw, ...prot);
  const hi = Math.max(0, ...raw, ...prot);
  const span = hi - lo || 1;
  const x = (d: number): number => pad + ((W - 2 * pad) * d) / Math.max(1, h.days - 1);
  const y = (v: number): number => H - pad - ((H - 2 * pad) * (v - lo)) / span;
  const path = (vs: number[]): string =>
    vs.map((v, d) => `${d === 0 ? 'M' : 'L'}${x(d).toFixed(1)},${y(v).toFixed(1)}`).join('');
  const marks = [
    ...run.trips.map(
      (d) =>
        `<path class="trip-marker" d="M${x(d).toFixed(1)},${(y(prot[d] as number) - 9).toFixed(1)}l-5,-8h10z" fill="#c00"><title>trip ${new Date((h.firstDay + d) * DAY_MS).toISOString().slice(0, 10)}</title></path>`,
    ),
    ...run.recoveries.map(
      (d) =>
        `<path class="recover-marker" d="M${x(d).toFixed(1)},${(y(prot[d] as number) + 9).toFixed(1)}l-5,8h10z" fill="#080"><title>recovery ${new Date((h.firstDay + d) * DAY_MS).toISOString().slice(0, 10)}</title></path>`,
    ),
  ];
  const day0 = new Date(h.firstDay * DAY_MS).toISOString().slice(0, 10);
  const dayN = new Date((h.firstDay + h.days - 1) * DAY_MS).toISOString().slice(0, 10);
  return `<figure><figcaption>${esc(g.key)}: ${run.trips.length} trip(s), ${run.recoveries.length} recovery(ies)</figcaption>
<svg class="equity" data-key="${esc(g.key)}" xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">
<line x1="${pad}" x2="${W - pad}" y1="${y(0).toFixed(1)}" y2="${y(0).toFixed(1)}" stroke="#999" stroke-dasharray="3,3"/>
<path class="curve-raw" d="${path(raw)}" fill="none" stroke="#888" stroke-width="1.5"/>
<path class="curve-protected" d="${path(prot)}" fill="none" stroke="#1565c0" stroke-width="2"/>
${marks.join('\n')}
<text x="${pad}" y="${H - 8}">${day0}</text><text x="${W - pad}" y="${H - 8}" text-anchor="end">${dayN}</text>
<text x="${pad}" y="14">$ cumulative: grey without breaker, blue with it; red = trip, green = recovery</text>
</svg></figure>`;
}

/** The tuning report: a self-contained HTML page (inline SVG, no external assets). */
export function renderTuneReport(
  h: TradeHistory,
  scores: CandidateScore[],
  best: CandidateScore,
  runs: GroupRun[],
  source: string,
): string {
  const trips = [...new Set(scores.map((s) => s.trip))].sort((x, y) => y - x);
  const recovers = [...new Set(scores.map((s) => s.recover))].sort((x, y) => x - y);
  const top = [...scores].sort((x, y) => y.saved - x.saved || x.falseTrips - y.falseTrips).slice(0, 15);
  const rows = top
    .map(
      (s) =>
        `<tr><td>${s.trip}</td><td>${s.recover}</td><td>${s.minN}</td><td>${s.windowDays}</td><td>${s.trips}</td><td>${s.caught}</td><td>${s.missed ?? '-'}</td><td>${s.leadDays === null ? '-' : s.leadDays.toFixed(1)}</td><td>${s.falseTrips}</td><td>${s.saved.toFixed(2)}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Warden strategy breaker tuning</title>
<style>body{font-family:sans-serif;margin:24px;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}figure{margin:12px 0}</style>
</head><body>
<h1>Strategy breaker tuning</h1>
<p>${esc(source)}: ${h.groups.length} group(s), ${h.days} day(s), ${scores.length} candidate(s). ${h.hasLabels ? 'Degradations from the label field.' : 'No label field: a trip counts as caught when its blocked period lost money, false when it made money.'}</p>
<p id="best">Best: trip ${best.trip}, recover ${best.recover}, min-n ${best.minN}, window ${best.windowDays} d: saved $${best.saved.toFixed(2)}, caught ${best.caught}, false trips ${best.falseTrips}.</p>
<h2>Saved P&amp;L by trip and recovery threshold</h2>
${heatmap(scores, trips, recovers)}
<h2>Top candidates</h2>
<table><thead><tr><th>trip</th><th>recover</th><th>min-n</th><th>window</th><th>trips</th><th>caught</th><th>missed</th><th>lead d</th><th>false</th><th>saved $</th></tr></thead><tbody>
${rows}
</tbody></table>
<h2>Equity per strategy with the best candidate</h2>
${runs.map((r, i) => curve(h, r, i)).join('\n')}
</body></html>
`;
}
