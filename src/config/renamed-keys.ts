import { ConfigError } from './config-error.js';

/**
 * A config key renamed to the one spelling its concept has everywhere (schedules are `cron`, time
 * zones `timezone`); the old key is still accepted, with a deprecation warning naming the new one.
 */
export interface RenamedKey {
  /** Where the key lives: a section path, `[]` for every element of an array. */
  readonly at: string;
  readonly old: string;
  readonly now: string;
}

/** Every renamed key. Add a row when a key is renamed; remove it when the old spelling is dropped. */
export const RENAMED_KEYS: readonly RenamedKey[] = [
  { at: 'heartbeats[]', old: 'tz', now: 'timezone' },
  { at: 'killSwitch', old: 'reminderTz', now: 'reminderTimezone' },
  { at: 'strategy', old: 'schedule', now: 'cron' },
];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The objects `at` names in `root`, each with its printable field path. */
function objectsAt(root: unknown, at: string): [string, Obj][] {
  let found: [string, unknown][] = [['', root]];
  for (const part of at.split('.')) {
    const many = part.endsWith('[]');
    const key = many ? part.slice(0, -2) : part;
    const next: [string, unknown][] = [];
    for (const [path, v] of found) {
      if (!isObj(v)) continue;
      const child = v[key];
      const p = path ? `${path}.${key}` : key;
      if (!many) next.push([p, child]);
      else if (Array.isArray(child)) child.forEach((c, i) => next.push([`${p}[${i}]`, c]));
    }
    found = next;
  }
  return found.filter((e): e is [string, Obj] => isObj(e[1]));
}

/**
 * Moves every old key to its new name (in place, on a copy the caller owns) and returns one
 * deprecation warning per key moved. Both spellings at once is a ConfigError: which one is meant?
 */
export function applyRenamedKeys(raw: unknown, source: string): string[] {
  const warnings: string[] = [];
  for (const r of RENAMED_KEYS) {
    for (const [path, o] of objectsAt(raw, r.at)) {
      if (!(r.old in o)) continue;
      if (r.now in o)
        throw new ConfigError(
          `${source}: field ${path}: give ${r.now} only (${r.old} is its old name; both are set)`,
        );
      o[r.now] = o[r.old];
      delete o[r.old];
      warnings.push(`${source}: field ${path}.${r.old} is deprecated: rename it to ${path}.${r.now}`);
    }
  }
  return warnings;
}
