// Warden's resilience core beside a bare await, cockatiel 3 and opossum 9, in one process.
// Run: npx tsx bench/resilience.bench.ts   (about 30-50 s; medians of several rounds, ratios vs bare await)
import {
  circuitBreaker,
  ConsecutiveBreaker,
  fallback as cockatielFallback,
  CountBreaker,
  ExponentialBackoff,
  handleAll,
  retry as cockatielRetry,
  wrap as cockatielWrap,
  type IBreaker,
  type CircuitState as CockatielState,
} from 'cockatiel';
import Opossum from 'opossum';
import {
  CircuitBreaker,
  ConsecutiveRule,
  CountWindowRule,
  exponentialBackoff,
  RetryPolicy,
  TimeWindowRule,
  wrap,
  type TripRule,
} from '../src/resilience/index.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 15);
const noop = async (): Promise<void> => undefined;
const failure = new Error('down');
const fail = (): Promise<never> => Promise.reject(failure);
const swallow = (): void => {};

/** A Warden rule that records into a real window but never trips: measures the window, not the rejections. */
function neverTrips(rule: TripRule): TripRule {
  return {
    usesTime: rule.usesTime,
    record: (f, s, now) => (rule.record(f, s, now), false),
    reset: () => rule.reset(),
    snapshot: (now) => rule.snapshot(now),
    toJSON: () => rule.toJSON(),
    restore: (s) => rule.restore(s),
  };
}

/** The same for cockatiel. */
function cockatielNeverTrips(inner: IBreaker): IBreaker {
  return {
    get state() {
      return inner.state;
    },
    set state(v) {
      inner.state = v;
    },
    success: (s: CockatielState) => inner.success(s),
    failure: (s: CockatielState) => (inner.failure(s), false),
  };
}

interface Case {
  readonly name: string;
  /** Runs `n` operations. */
  readonly run: (n: number) => Promise<void>;
  readonly n: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/** Runs every case once per round, interleaved so that machine noise hits them alike; returns median ns/op. */
async function group(title: string, cases: Case[], baseline?: string): Promise<Map<string, number>> {
  const samples = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  for (const c of cases) await c.run(c.n); // warm up: one full round each, so the JIT has settled
  for (let r = 0; r < ROUNDS; r++) {
    for (const c of cases) {
      const t0 = process.hrtime.bigint();
      await c.run(c.n);
      (samples.get(c.name) as number[]).push(Number(process.hrtime.bigint() - t0) / c.n);
    }
  }
  const out = new Map<string, number>();
  for (const [k, v] of samples) out.set(k, median(v));
  const base = baseline === undefined ? undefined : out.get(baseline);
  console.log(`\n## ${title}`);
  console.log(`| case | ns/op (median of ${ROUNDS}) |${base === undefined ? '' : ` vs ${baseline} |`}`);
  console.log(base === undefined ? '|---|---:|' : '|---|---:|---:|');
  for (const [k, v] of out)
    console.log(`| ${k} | ${v.toFixed(1)} |${base === undefined ? '' : ` ${(v / base).toFixed(2)}x |`}`);
  return out;
}

// ---------------------------------------------------------------- success path
const wardenDefault = new CircuitBreaker({ name: 'w' });
const wardenCount = new CircuitBreaker({ rule: new CountWindowRule({ size: 100 }) });
const wardenTime = new CircuitBreaker({ rule: new TimeWindowRule({ windowMs: 10_000 }) });
const cockatielBreaker = circuitBreaker(handleAll, {
  halfOpenAfter: 30_000,
  breaker: new ConsecutiveBreaker(5),
});
const opossum = new Opossum(noop, { timeout: false, resetTimeout: 30_000 });
// The same with a fallback (seed 002's convenience): the success path must not pay for it.
const wardenWithFallback = new CircuitBreaker({ name: 'wf' });
const fallbackOptions = { fallback: (): undefined => undefined };
const cockatielWithFallback = cockatielWrap(
  cockatielFallback(handleAll, () => undefined),
  circuitBreaker(handleAll, { halfOpenAfter: 30_000, breaker: new ConsecutiveBreaker(5) }),
);
const opossumWithFallback = new Opossum(noop, { timeout: false, resetTimeout: 30_000 });
opossumWithFallback.fallback(() => undefined);

const SUCCESS_N = 120_000;
const success = await group(
  'Success path: await breaker.execute(resolved no-op)',
  [
    {
      name: 'bare await fn()',
      n: SUCCESS_N,
      run: async (n) => {
        for (let i = 0; i < n; i++) await noop();
      },
    },
    {
      name: 'warden (consecutive rule)',
      n: SUCCESS_N,
      run: async (n) => {
        for (let i = 0; i < n; i++) await wardenDefault.execute(noop);
      },
    },
    {
      name: 'warden (count window 100)',
      n: SUCCESS_N,
      run: async (n) => {
        for (let i = 0; i < n; i++) await wardenCount.execute(noop);
      },
    },
    {
      name: 'warden (time window 10 s: clock read per call)',
      n: SUCCESS_N,
      run: async (n) => {
        for (let i = 0; i < n; i++) await wardenTime.execute(noop);
      },
    },
    {
      name: 'cockatiel 3 (consecutive)',
      n: SUCCESS_N / 2,
      run: async (n) => {
        for (let i = 0; i < n; i++) await cockatielBreaker.execute(noop);
      },
    },
    {
      name: 'opossum 9',
      n: SUCCESS_N / 10,
      run: async (n) => {
        for (let i = 0; i < n; i++) await opossum.fire();
      },
    },
    {
      name: 'warden (consecutive, per-call fallback)',
      n: SUCCESS_N,
      run: async (n) => {
        for (let i = 0; i < n; i++) await wardenWithFallback.execute(noop, fallbackOptions);
      },
    },
    {
      name: 'cockatiel 3 wrap(fallback, breaker)',
      n: SUCCESS_N / 2,
      run: async (n) => {
        for (let i = 0; i < n; i++) await cockatielWithFallback.execute(noop);
      },
    },
    {
      name: 'opossum 9 with fallback',
      n: SUCCESS_N / 10,
      run: async (n) => {
        for (let i = 0; i < n; i++) await opossumWithFallback.fire();
      },
    },
  ],
  'bare await fn()',
);

// ---------------------------------------------------------------- failure path
const FAIL_N = 30_000;
const BIG = 20_000;
const wardenFail100 = new CircuitBreaker({ rule: neverTrips(new CountWindowRule({ size: 100 })) });
const wardenFailBig = new CircuitBreaker({ rule: neverTrips(new CountWindowRule({ size: BIG })) });
const wardenFailTime = new CircuitBreaker({
  rule: neverTrips(new TimeWindowRule({ windowMs: 600_000, buckets: 60 })),
});
const cockatielFail100 = circuitBreaker(handleAll, {
  halfOpenAfter: 30_000,
  breaker: cockatielNeverTrips(new CountBreaker({ threshold: 0.5, size: 100 })),
});
const cockatielFailBig = circuitBreaker(handleAll, {
  halfOpenAfter: 30_000,
  breaker: cockatielNeverTrips(new CountBreaker({ threshold: 0.5, size: BIG })),
});
// Fill the big windows with failures before measuring.
for (const b of [wardenFailBig, wardenFailTime])
  for (let i = 0; i < BIG; i++) await b.execute(fail).catch(swallow);
for (let i = 0; i < BIG; i++) await cockatielFailBig.execute(fail).catch(swallow);

function opossumFailing(): Opossum<[], never> {
  return new Opossum(fail, {
    timeout: false,
    resetTimeout: 1e9,
    rollingCountTimeout: 600_000,
    volumeThreshold: Number.MAX_SAFE_INTEGER, // never opens: measures the failure path itself
  });
}

const failCases = (label: string, w: CircuitBreaker, c: typeof cockatielFail100, n: number): Case[] => [
  {
    name: `warden (${label})`,
    n,
    run: async (k) => {
      for (let i = 0; i < k; i++)
        try {
          await w.execute(fail);
        } catch {
          // expected
        }
    },
  },
  {
    name: `cockatiel 3 (${label})`,
    n: n / 2,
    run: async (k) => {
      for (let i = 0; i < k; i++)
        try {
          await c.execute(fail);
        } catch {
          // expected
        }
    },
  },
];
const bareFail: Case = {
  name: 'bare caught rejection',
  n: FAIL_N,
  run: async (n) => {
    for (let i = 0; i < n; i++)
      try {
        await fail();
      } catch {
        // expected
      }
  },
};
const failurePath = await group(
  'Failure path: try { await breaker.execute(rejecting fn) } catch {}',
  [
    bareFail,
    ...failCases('count window 100', wardenFail100, cockatielFail100, FAIL_N),
    ...failCases(
      `count window ${BIG.toLocaleString('en')} full of failures`,
      wardenFailBig,
      cockatielFailBig,
      FAIL_N,
    ),
    {
      name: `warden (time window 10 min, ${BIG.toLocaleString('en')}+ failures in it)`,
      n: FAIL_N,
      run: async (k) => {
        for (let i = 0; i < k; i++)
          try {
            await wardenFailTime.execute(fail);
          } catch {
            // expected
          }
      },
    },
  ],
  'bare caught rejection',
);

// opossum's failure path sorts its window's latencies on every failure: it grows with the window,
// so it is measured apart, at sizes that finish in seconds (20,000 would take ~40 s to fill).
{
  const bare = (await group('Baseline for the opossum table', [bareFail])).get(
    'bare caught rejection',
  ) as number;
  console.log('\n## opossum 9 failure path as its window fills (ns/op over the next 200 failures)');
  console.log('| failures already in window | ns/op | vs bare caught rejection |');
  console.log('|---:|---:|---:|');
  const o = opossumFailing();
  let filled = 0;
  for (const target of [100, 1000, 3000]) {
    for (; filled < target; filled++) await o.fire().catch(swallow);
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 200; i++) await o.fire().catch(swallow);
    filled += 200;
    const ns = Number(process.hrtime.bigint() - t0) / 200;
    console.log(`| ${target.toLocaleString('en')} | ${ns.toFixed(0)} | ${(ns / bare).toFixed(1)}x |`);
  }
}

// ---------------------------------------------------------------- rejection on an open circuit
const wardenOpen = new CircuitBreaker({ rule: new ConsecutiveRule(1), openMs: 1e9 });
await wardenOpen.execute(fail).catch(swallow);
const wardenForced = new CircuitBreaker();
wardenForced.forceOpen();
const wardenStack = new CircuitBreaker({ captureStack: true });
wardenStack.forceOpen();
const cockatielOpen = circuitBreaker(handleAll, { halfOpenAfter: 1e9, breaker: new ConsecutiveBreaker(1) });
cockatielOpen.isolate();
const opossumOpen = new Opossum(noop, { timeout: false, resetTimeout: 1e9 });
opossumOpen.open();
const REJ_N = 60_000;
const rejectCase = (name: string, n: number, exec: () => Promise<unknown>): Case => ({
  name,
  n,
  run: async (k) => {
    for (let i = 0; i < k; i++)
      try {
        await exec();
      } catch {
        // expected
      }
  },
});
const rejection = await group(
  'Rejection on an open circuit: try { await execute(fn) } catch {} (fn is never called)',
  [
    bareFail,
    rejectCase('warden (tripped open)', REJ_N, () => wardenOpen.execute(noop)),
    rejectCase('warden (forced open)', REJ_N, () => wardenForced.execute(noop)),
    rejectCase('warden (captureStack: true)', REJ_N / 10, () => wardenStack.execute(noop)),
    rejectCase('cockatiel 3 (isolated)', REJ_N / 10, () => cockatielOpen.execute(noop)),
    rejectCase('opossum 9 (open)', REJ_N / 10, () => opossumOpen.fire()),
  ],
  'bare caught rejection',
);

// ---------------------------------------------------------------- retry + breaker composed
const wardenComposed = wrap(
  new RetryPolicy({ maxAttempts: 3, backoff: exponentialBackoff({ initialMs: 100 }) }),
  new CircuitBreaker({ rule: new ConsecutiveRule(5) }),
);
const cockatielComposed = cockatielWrap(
  cockatielRetry(handleAll, { maxAttempts: 3, backoff: new ExponentialBackoff() }),
  circuitBreaker(handleAll, { halfOpenAfter: 30_000, breaker: new ConsecutiveBreaker(5) }),
);
const composed = await group(
  'Retry + breaker composed, success path: await wrap(retry, breaker).execute(no-op)',
  [
    {
      name: 'bare await fn()',
      n: SUCCESS_N,
      run: async (n) => {
        for (let i = 0; i < n; i++) await noop();
      },
    },
    {
      name: 'warden wrap(retry, breaker)',
      n: SUCCESS_N,
      run: async (n) => {
        for (let i = 0; i < n; i++) await wardenComposed.execute(noop);
      },
    },
    {
      name: 'cockatiel 3 wrap(retry, breaker)',
      n: SUCCESS_N / 4,
      run: async (n) => {
        for (let i = 0; i < n; i++) await cockatielComposed.execute(noop);
      },
    },
  ],
  'bare await fn()',
);
// ---------------------------------------------------------------- the issue's targets
const ratio = (m: Map<string, number>, k: string, base: string): number =>
  (m.get(k) as number) / (m.get(base) as number);
const failRatios = [...failurePath.keys()]
  .filter((k) => k.startsWith('warden'))
  .map((k) => ratio(failurePath, k, 'bare caught rejection'));
const targets: [string, number, number, string][] = [
  [
    'breaker success path vs bare await',
    ratio(success, 'warden (consecutive rule)', 'bare await fn()'),
    1.5,
    'x',
  ],
  [
    'retry+breaker composed vs bare await',
    ratio(composed, 'warden wrap(retry, breaker)', 'bare await fn()'),
    2,
    'x',
  ],
  ['failure path vs bare caught rejection (worst window)', Math.max(...failRatios), 1.3, 'x'],
  ['rejection on an open circuit (ns)', rejection.get('warden (tripped open)') as number, 500, ' ns'],
];
console.log('\n## Targets (issue 3)');
console.log('| target | measured | limit | met |');
console.log('|---|---:|---:|---|');
for (const [name, v, limit, unit] of targets)
  console.log(`| ${name} | ${v.toFixed(2)}${unit} | ${limit}${unit} | ${v <= limit ? 'yes' : 'NO'} |`);
console.log(`\nnode ${process.version}, ${process.platform}/${process.arch}; rounds: ${ROUNDS}`);
