// Removes from dist/ what this build did not produce, so that a module deleted from src/ (or a
// test helper since excluded) is never packed or importable from a tarball built in an old
// checkout. Kept: every file tsc just emitted (`emitted`, absolute paths from --listEmittedFiles),
// the assets copy-assets.mjs copies whose source still exists, and the two folders later build
// steps write afresh (dist/cli/bundle, dist/examples). Files are removed, never the folders in use.
import { existsSync, readdirSync, rmSync, rmdirSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

const FRESH = [join('cli', 'bundle'), 'examples'];

function isAsset(rel) {
  return rel.endsWith('.sql') || rel.startsWith(join('daemon', 'dashboard') + sep);
}

/** Deletes the stale files under `dist`; returns their paths relative to it. */
export function pruneDist(dist, src, emitted) {
  const keep = new Set([...emitted].map((p) => resolve(p)));
  const removed = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const rel = relative(dist, p);
      if (FRESH.includes(rel)) continue;
      if (statSync(p).isDirectory()) {
        walk(p);
        if (readdirSync(p).length === 0) rmdirSync(p);
        continue;
      }
      if (rel === '.source-stamp.json' || keep.has(resolve(p))) continue;
      if (isAsset(rel) && existsSync(join(src, rel))) continue;
      rmSync(p);
      removed.push(rel);
    }
  };
  if (existsSync(dist)) walk(dist);
  return removed;
}
