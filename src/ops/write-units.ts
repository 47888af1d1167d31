import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { atomicWriteFileSync } from '../util/atomic-write.js';
import type { GeneratedUnits } from './unit-file.js';

/** Writes generated units into `dir` (created when missing), each atomically; returns the absolute paths. */
export function writeUnits(units: GeneratedUnits, dir: string): string[] {
  const abs = resolve(dir);
  mkdirSync(abs, { recursive: true });
  return units.files.map((f) => {
    const p = join(abs, f.name);
    atomicWriteFileSync(p, f.content);
    return p;
  });
}
