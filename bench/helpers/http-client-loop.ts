// A keep-alive HTTP client loop, run as its own process by bench/api.bench.ts (so the client's
// work does not share the server's event loop). Bounded by count and by time.
//   node --import tsx bench/helpers/http-client-loop.ts URL MAX_REQUESTS MAX_SECONDS CONCURRENCY [BODY]
// With BODY (JSON), each request is a POST of it, with the bearer token from BENCH_TOKEN if set.
// Prints one JSON line: {n, seconds, rps, p50Us, p99Us, errors}.
import { Agent, request } from 'node:http';

const [url, maxArg, secArg, concArg, body] = process.argv.slice(2);
if (!url) throw new Error('usage: http-client-loop URL MAX_REQUESTS MAX_SECONDS CONCURRENCY');
const max = Number(maxArg ?? 20_000);
const seconds = Number(secArg ?? 5);
const concurrency = Number(concArg ?? 4);
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });

const headers: Record<string, string> = {};
if (body !== undefined) {
  headers['content-type'] = 'application/json';
  headers['content-length'] = String(Buffer.byteLength(body));
  if (process.env['BENCH_TOKEN']) headers['authorization'] = `Bearer ${process.env['BENCH_TOKEN']}`;
}
const method = body === undefined ? 'GET' : 'POST';

const once = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const req = request(url, { agent, method, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });

const lat: number[] = [];
let errors = 0;
let started = 0;
const deadline = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
// Warm-up: connections open, code paths compiled.
for (let i = 0; i < 200; i++) await once();
const t0 = process.hrtime.bigint();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (started < max && process.hrtime.bigint() < deadline) {
      started++;
      const s = process.hrtime.bigint();
      try {
        const code = await once();
        if (code >= 500 || code === 400 || code === 401) errors++;
      } catch {
        errors++;
      }
      lat.push(Number(process.hrtime.bigint() - s) / 1000);
    }
  }),
);
const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
lat.sort((a, b) => a - b);
const pct = (p: number): number => lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))] ?? NaN;
process.stdout.write(
  `${JSON.stringify({ n: lat.length, seconds: elapsed, rps: lat.length / elapsed, p50Us: pct(50), p99Us: pct(99), errors })}\n`,
);
agent.destroy();
