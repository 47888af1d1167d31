import type { GroupSeries, TradeHistory } from './tune-history.js';

/** One point of the tuning grid. */
export interface Candidate {
  readonly trip: number;
  readonly recover: number;
  readonly minN: number;
  readonly windowDays: number;
}

/** A group's simulated run under one candidate. */
export interface GroupRun {
  readonly key: string;
  /** Day indexes (from the history's first day) of trips and recoveries. */
  readonly trips: number[];
  readonly recoveries: number[];
  /** 1 on days the group was blocked. */
  readonly blocked: Uint8Array;
}

/** How a candidate did over the whole history. */
export interface CandidateScore extends Candidate {
  readonly trips: number;
  /** Degradations caught: labelled episodes with a trip inside, or (no labels) trips whose blocked period lost money. */
  readonly caught: number;
  /** Labelled episodes with no trip (null without labels). */
  readonly missed: number | null;
  /** Mean days from an episode's start to its trip (null without labels or catches). */
  readonly leadDays: number | null;
  /** Trips outside any episode, or (no labels) trips whose blocked period made money. */
  readonly falseTrips: number;
  /** P&L not taken while blocked, in dollars (Σ pnl_c × size / 100, sign flipped): > 0 saved, < 0 cost. */
  readonly saved: number;
  readonly blockedDays: number;
}

/**
 * Replays the nightly evaluation day by day for one group: at each midnight the window is
 * the previous `windowDays` days; an active group is judged on its real trades (days it was
 * not blocked), a blocked one on its shadow trades since the trip, with seed 000's min-n and
 * hysteresis. The trades of a blocked day are its shadow trades.
 */
export function walkGroup(g: GroupSeries, c: Candidate, days: number): GroupRun {
  const blocked = new Uint8Array(days);
  const trips: number[] = [];
  const recoveries: number[] = [];
  const W = c.windowDays;
  let rp = 0;
  let rc = 0;
  let rn = 0; // real window sums
  let sp = 0;
  let sc = 0;
  let sn = 0; // shadow sums since the trip, within the window
  let isBlocked = false;
  let since = 0;
  for (let d = 0; d < days; d++) {
    if (d > 0) {
      const y = d - 1;
      if (blocked[y] === 1) {
        sp += g.pnl[y] as number;
        sc += g.cost[y] as number;
        sn += g.n[y] as number;
      } else {
        rp += g.pnl[y] as number;
        rc += g.cost[y] as number;
        rn += g.n[y] as number;
      }
      const old = d - 1 - W;
      if (old >= 0) {
        if (blocked[old] === 1) {
          if (old >= since) {
            sp -= g.pnl[old] as number;
            sc -= g.cost[old] as number;
            sn -= g.n[old] as number;
          }
        } else {
          rp -= g.pnl[old] as number;
          rc -= g.cost[old] as number;
          rn -= g.n[old] as number;
        }
      }
    }
    if (isBlocked) {
      if (sn >= c.minN && sp / sc >= c.recover) {
        isBlocked = false;
        recoveries.push(d);
      }
    } else if (rn >= c.minN && rp / rc < c.trip) {
      isBlocked = true;
      since = d;
      sp = 0;
      sc = 0;
      sn = 0;
      trips.push(d);
    }
    if (isBlocked) blocked[d] = 1;
  }
  return { key: g.key, trips, recoveries, blocked };
}

/** Labelled episodes of a group: runs of days with labelled trades (gaps up to 2 days merged). */
export function episodesOf(g: GroupSeries): [number, number][] {
  const out: [number, number][] = [];
  let start = -1;
  let last = -10;
  for (let d = 0; d < g.labelled.length; d++) {
    if ((g.labelled[d] as number) === 0) continue;
    if (start >= 0 && d - last <= 3) last = d;
    else {
      if (start >= 0) out.push([start, last]);
      start = d;
      last = d;
    }
  }
  if (start >= 0) out.push([start, last]);
  return out;
}

/** Scores one candidate over every group of the history. */
export function scoreCandidate(h: TradeHistory, c: Candidate, runs?: GroupRun[]): CandidateScore {
  let trips = 0;
  let caught = 0;
  let missed = 0;
  let lead = 0;
  let leadN = 0;
  let falseTrips = 0;
  let saved = 0;
  let blockedDays = 0;
  for (const g of h.groups) {
    const run = walkGroup(g, c, h.days);
    runs?.push(run);
    trips += run.trips.length;
    for (let d = 0; d < h.days; d++) {
      if (run.blocked[d] === 1) {
        saved -= (g.pnl[d] as number) / 100;
        blockedDays++;
      }
    }
    if (h.hasLabels) {
      const eps = episodesOf(g);
      for (const [a, b] of eps) {
        const t = run.trips.find((x) => x >= a && x <= b + 1);
        if (t === undefined) missed++;
        else {
          caught++;
          lead += t - a;
          leadN++;
        }
      }
      for (const t of run.trips) if (!eps.some(([a, b]) => t >= a && t <= b + 1)) falseTrips++;
    } else {
      run.trips.forEach((t, i) => {
        const end = run.recoveries[i] ?? h.days;
        let p = 0;
        for (let d = t; d < end; d++) p += g.pnl[d] as number;
        if (p < 0) caught++;
        else falseTrips++;
      });
    }
  }
  return {
    ...c,
    trips,
    caught,
    missed: h.hasLabels ? missed : null,
    leadDays: leadN > 0 ? lead / leadN : null,
    falseTrips,
    saved,
    blockedDays,
  };
}
