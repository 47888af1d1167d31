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

/** Thrown by the fast writer on a value JSON cannot hold; the slow writer then names its path. */
const BAD = Symbol('bad');

/** An object shape (its keys in own-property order) with its keys in canonical order, quoted. */
interface Shape {
  /** The keys in own-property order, as `Object.keys` gives them. */
  readonly own: readonly string[];
  readonly keys: string[];
  readonly quoted: string[];
}

const MAX_SHAPES = 1024;
/** Shapes a first key may hold before the rest of its shapes are found by their joined keys. */
const BUCKET = 4;
/** The first shapes of each first key: a program reuses a handful per first key. */
const byFirst = new Map<string, Shape[]>();
/** Shapes beyond a full bucket, by their keys joined. */
const byJoined = new Map<string, Shape>();
let shapeCount = 0;

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function makeShape(keys: string[]): Shape {
  const sorted = sortedKeys(Object.fromEntries(keys.map((k) => [k, 0])));
  return { own: keys, keys: sorted, quoted: sorted.map((k) => `${JSON.stringify(k)}:`) };
}

/**
 * The canonical key order of an object with these keys, cached for the shapes a program reuses.
 * The first few shapes of each first key are compared key by key (property names are interned
 * strings, so mostly pointer compares: no string is built per object); a first key with more
 * shapes than that finds the rest by the keys joined into one string.
 */
function shapeOf(keys: string[]): Shape {
  const first = keys[0]!;
  const bucket = byFirst.get(first);
  if (bucket !== undefined) {
    for (let i = 0; i < bucket.length; i++) if (sameKeys(bucket[i]!.own, keys)) return bucket[i]!;
    if (bucket.length >= BUCKET) {
      const id = keys.join('\u0000');
      let shape = byJoined.get(id);
      if (shape === undefined) {
        shape = makeShape(keys);
        if (shapeCount < MAX_SHAPES) {
          shapeCount++;
          byJoined.set(id, shape);
        }
      }
      return shape;
    }
  }
  const shape = makeShape(keys);
  if (shapeCount < MAX_SHAPES) {
    shapeCount++;
    if (bucket === undefined) byFirst.set(first, [shape]);
    else bucket.push(shape);
  }
  return shape;
}

/** The hot-path writer: the same output as `write`, with the key order cached per shape and no path kept. */
function fast(v: unknown, depth: number): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      if (!Number.isFinite(v)) throw BAD;
      return String(v); // Number::toString, as JSON.stringify writes finite numbers (-0 → "0")
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object': {
      if (v === null) return 'null';
      if (depth >= MAX_DEPTH) throw BAD;
      const toJSON = (v as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') return fast((toJSON as () => unknown).call(v), depth + 1);
      if (Array.isArray(v)) {
        let s = '[';
        for (let i = 0; i < v.length; i++) {
          if (i > 0) s += ',';
          s += fast(v[i], depth + 1);
        }
        return s + ']';
      }
      const keys = Object.keys(v);
      if (keys.length === 0) return '{}';
      const shape = shapeOf(keys);
      let s = '';
      for (let i = 0; i < shape.keys.length; i++) {
        const x = (v as Record<string, unknown>)[shape.keys[i]!];
        if (x === undefined) continue;
        s += (s === '' ? '{' : ',') + shape.quoted[i]! + fast(x, depth + 1);
      }
      return s === '' ? '{}' : s + '}';
    }
    default:
      throw BAD;
  }
}

/** The canonical JSON text of `value`; throws `DecisionRecordError` (naming the path) on a value JSON cannot hold. */
export function canonicalJson(value: unknown, path = 'data'): string {
  try {
    return fast(value, 0);
  } catch (err) {
    if (err !== BAD) throw err;
    return write(value, path, 0); // throws, naming where the bad value is
  }
}
