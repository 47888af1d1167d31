// `npm run soak [-- --duration S --seed N]`: the chaos soak (src/demo/soak.ts); 10 minutes by default.
// Exits 1 on any violated invariant.
import { runSoak } from '../src/demo/soak.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: number): number => {
  const i = args.indexOf(name);
  const v = i >= 0 ? Number(args[i + 1]) : dflt;
  if (!(v > 0)) throw new RangeError(`${name}: expected a positive number, got ${String(args[i + 1])}`);
  return v;
};
const ac = new AbortController();
process.once('SIGINT', () => ac.abort());
process.once('SIGTERM', () => ac.abort());
const r = await runSoak({ durationSec: opt('--duration', 600), seed: opt('--seed', 7), signal: ac.signal });
process.exitCode = r.violations.length === 0 ? 0 : 1;
