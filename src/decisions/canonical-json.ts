import { DecisionRecordError } from './decision-record-error.js';

// The canonical serialisation of a decision (docs/decisions.md, "Canonical form"): JSON with
// object keys sorted by Unicode code point, no whitespace, strings and numbers exactly as
// ECMAScript's JSON.stringify writes them (shortest round-trip numbers), and no value that
// JSON cannot hold. Object members whose value is `undefined` are left out, as JSON.stringify does.

const MAX_DEPTH = 64;
const HIGH = /[\ud800-\uffff]/;

/** Orders two strings by code point (JavaScript's default sort orders by UTF-16 code unit). */
function byCodePoint(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (U+D800–DFFF) encode code points above U+FFFF: move them above U+E000–FFFF.
    if (x >= 0xd800) x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
    if (y >= 0xd800) y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    return x - y;
  }
  return a.length - b.length;
}

function sortedKeys(o: object): string[] {
  const keys = Object.keys(o);
  if (keys.length < 2) return keys;
  keys.sort();
  for (let i = 0; i < keys.length; i++) {
    if (HIGH.test(keys[i]!)) return keys.sort(byCodePoint);
  }
  return keys;
}

function write(v: unknown, path: string, depth: number): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      if (!Number.isFinite(v)) throw new DecisionRecordError(path, `${v} is not a JSON number`);
      return JSON.stringify(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object': {
      if (v === null) return 'null';
      if (depth >= MAX_DEPTH)
        throw new DecisionRecordError(path, `nested deeper than ${MAX_DEPTH} levels (a cycle?)`);
      const toJSON = (v as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') return write((toJSON as () => unknown).call(v), path, depth + 1);
      if (Array.isArray(v)) {
        let s = '[';
        for (let i = 0; i < v.length; i++) {
          if (i > 0) s += ',';
          s += write(v[i], `${path}[${i}]`, depth + 1);
        }
        return s + ']';
      }
      const keys = sortedKeys(v);
      let s = '{';
      let first = true;
      for (const k of keys) {
        const x = (v as Record<string, unknown>)[k];
        if (x === undefined) continue;
        if (!first) s += ',';
        first = false;
        s += JSON.stringify(k) + ':' + write(x, `${path}.${k}`, depth + 1);
      }
      return s + '}';
    }
    default:
      throw new DecisionRecordError(path, `a ${typeof v} is not JSON`);
  }
}

/** Thrown inside `prepare` when an object needs the string writer (integer-like or `__proto__` keys). */
const SLOW = Symbol('slow');

/**
 * Returns `v` itself when `JSON.stringify(v)` is already canonical (every object's keys in code
 * point order, no value JSON cannot hold), or a copy whose objects have their keys inserted in
 * sorted order, so the native serialiser can write it. Throws `SLOW` on a value JSON cannot hold
 * and when key order cannot be expressed by insertion (integer-like keys, which engines always put
 * first, and `__proto__`).
 */
function prepare(v: unknown, depth: number): unknown {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      if (!Number.isFinite(v)) throw SLOW;
      return v;
    case 'object': {
      if (v === null) return v;
      if (depth >= MAX_DEPTH) throw SLOW;
      const toJSON = (v as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') return prepare((toJSON as () => unknown).call(v), depth + 1);
      if (Array.isArray(v)) {
        let copy: unknown[] | null = null;
        for (let i = 0; i < v.length; i++) {
          const x: unknown = v[i];
          if (x === undefined) throw SLOW;
          const p = prepare(x, depth + 1);
          if (p !== x && copy === null) copy = v.slice(0, i);
          if (copy !== null) copy.push(p);
        }
        return copy ?? v;
      }
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o);
      let sorted = true;
      let vals: unknown[] | null = null; // prepared values, once one differs from the original
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i]!;
        const c = k.charCodeAt(0);
        if ((c >= 0x30 && c <= 0x39) || k === '__proto__') throw SLOW;
        if (i > 0 && sorted && byCodePoint(keys[i - 1]!, k) > 0) sorted = false;
        const x = o[k];
        const p = x === undefined ? x : prepare(x, depth + 1);
        if (p !== x && vals === null) {
          vals = new Array<unknown>(keys.length);
          for (let j = 0; j < i; j++) vals[j] = o[keys[j]!];
        }
        if (vals !== null) vals[i] = p;
      }
      if (sorted && vals === null) return v;
      const order = keys.map((_, i) => i);
      if (!sorted) order.sort((a, b) => byCodePoint(keys[a]!, keys[b]!));
      const out: Record<string, unknown> = {};
      for (const i of order) {
        const x = vals === null ? o[keys[i]!] : vals[i];
        if (x !== undefined) out[keys[i]!] = x;
      }
      return out;
    }
    default:
      throw SLOW;
  }
}

/** The canonical JSON text of `value`; throws `DecisionRecordError` (naming the path) on a value JSON cannot hold. */
export function canonicalJson(value: unknown, path = 'data'): string {
  let ready: unknown;
  try {
    ready = prepare(value, 0);
  } catch (err) {
    // Integer-like keys, or a value JSON cannot hold: the string writer handles the one and names
    // the path of the other.
    if (err !== SLOW) throw err;
    return write(value, path, 0);
  }
  return JSON.stringify(ready);
}
