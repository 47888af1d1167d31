import type { TradeFields } from '../evaluate/evaluation-options.js';
import { parseIsoBytes } from './iso-time.js';

// Field slots (as in trade-line-parser.ts; the byte path has no extra field).
const TS = 0;
const GROUP = 1;
const RESOLVED = 2;
const PNL = 3;
const SIZE = 4;
const ENTRY = 5;
const SLOTS = 6;
/** Keys of a line remembered for the next one. */
const MAX_KEYS = 32;
/** No key remembered in this place (a key is compared only when its place has one). */
const NO_KEY = new Uint8Array(0);

// Value types in a slot.
const ABSENT = 0;
const NULL = 1;
const STR = 2;
const NUM = 3;
const OTHER = 4; // true / false, or a number in a slot that does not need its value

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/** Returned by `scan` for a line the fast path cannot vouch for. */
export const UNSURE = -1;

/** What `scan` found on a line it is sure of. */
export const ByteLine = { Trade: 0, Unresolved: 1, Blank: 2 } as const;
export type ByteLine = (typeof ByteLine)[keyof typeof ByteLine];

/**
 * The words `sameKey` compares for the key `g` of 4 bytes or more: (offset, little-endian word)
 * pairs at 0, 4, 8, … and a last one ending at the key's end (overlapping the one before).
 */
function keyWords(g: Uint8Array): Int32Array {
  const n = g.length;
  if (n < 4) return new Int32Array(0);
  const v = new DataView(g.buffer, g.byteOffset, n);
  const out: number[] = [];
  for (let at = 0; at + 4 <= n; at += 4) out.push(at, v.getInt32(at, true));
  if (n % 4 !== 0) out.push(n - 4, v.getInt32(n - 4, true));
  return Int32Array.from(out);
}

/** Whether the bytes at `b[at]` (`v` views `b`'s memory) are the key `g`'s. */
function sameKey(v: DataView, b: Uint8Array, at: number, g: Uint8Array, w: Int32Array): boolean {
  const n = g.length;
  if (n < 4) {
    for (let k = 0; k < n; k++) if (b[at + k] !== g[k]) return false;
    return true;
  }
  for (let j = 0; j < w.length; j += 2)
    if (v.getInt32(at + (w[j] as number), true) !== w[j + 1]) return false;
  return true;
}

/**
 * The evaluator's fast path for JSON trade lines: reads a line's bytes where they lie in the
 * read buffer, without decoding a string or building an object. It vouches only for plain lines:
 * a flat object of ASCII keys and values (no escape, no byte above 0x7F, no control character
 * in a key or the group),
 * numbers in JSON's own grammar, the configured fields of the types a trade needs, in the window
 * of time and with positive size and price. On such a line it gives what `TradeLineParser` gives;
 * on any other line (unusual, malformed or a bad trade) `scan` answers false and the caller
 * hands the decoded line to `TradeLineParser`, which stays the authority and reports the issue.
 * The caller checks, a block of lines at a time, that a line has no backslash (no escape) and no
 * byte above 0x7F, with native searches; the scan then touches only the bytes it needs.
 * A group name is decoded once per distinct byte sequence (a hash table of the bytes).
 */
export class ByteLineParser {
  readonly #names: Uint8Array[];
  readonly #type = new Int32Array(SLOTS);
  readonly #start = new Int32Array(SLOTS);
  readonly #end = new Int32Array(SLOTS);
  /** The keys of the last line, in order, and their slots: the next line's likely keys. */
  readonly #keys: Uint8Array[] = new Array<Uint8Array>(MAX_KEYS).fill(NO_KEY);
  readonly #keySlots = new Int32Array(MAX_KEYS);
  /** The keys' bytes as 4-byte words: (offset, word) pairs (see `keyWords`). */
  readonly #keyWords: Int32Array[] = new Array<Int32Array>(MAX_KEYS).fill(new Int32Array(0));
  /** Group names by id, and their bytes. */
  groups: string[] = [];
  #groupBytes: Uint8Array[] = [];
  #ids = new Map<string, number>();
  #table = new Int32Array(256); // id + 1 by hash, open addressing
  #hash = 0;
  /** The length of the last time string read (the next one's likely length). */
  #tsLen = 0;
  #groupAt = 0;
  #groupEnd = 0;
  #count = 0;
  /** Every (hash, id) in the table, to rebuild it larger. */
  #hashes: [number, number][] = [];
  /** Bit per slot: set once a line the fast path read had that field. */
  seenMask = 0;
  /** A trade stamped after this (ms) is not one the fast path vouches for. */
  maxTs = Infinity;

  ts = 0;
  pnl = 0;
  size = 0;
  entry = 0;
  /** What the last line `scan` was sure of is. */
  kind: ByteLine = ByteLine.Blank;

  constructor(fields: TradeFields, groupBy: string) {
    const enc = new TextEncoder();
    this.#names = [fields.ts, groupBy, fields.resolved, fields.pnl, fields.size, fields.entryPrice].map((n) =>
      enc.encode(n),
    );
  }

  /** Whether this parser reads these field names (so `forPiece` can reuse it). */
  reads(fields: TradeFields, groupBy: string): boolean {
    const d = new TextDecoder();
    const want = [fields.ts, groupBy, fields.resolved, fields.pnl, fields.size, fields.entryPrice];
    return want.every((n, k) => d.decode(this.#names[k]) === n);
  }

  /**
   * Starts a new piece: no group names, no field seen, no time limit. The keys remembered from
   * the last line stay (they are only guesses, checked byte for byte), so a thread's pieces
   * after the first take the path the optimised code was compiled for from their first line.
   */
  forPiece(maxTs: number): this {
    this.groups = [];
    this.#groupBytes = [];
    this.#ids = new Map();
    this.#table = new Int32Array(256);
    this.#count = 0;
    this.#hashes = [];
    this.seenMask = 0;
    this.maxTs = maxTs;
    return this;
  }

  /** The id of a group name (decoded by the exact parser), shared with the fast path's names. */
  idOf(name: string): number {
    let id = this.#ids.get(name);
    if (id === undefined) {
      id = this.groups.length;
      this.groups.push(name);
      this.#ids.set(name, id);
      this.#groupBytes.push(new TextEncoder().encode(name));
    }
    return id;
  }

  /**
   * Reads the line that starts at `b[a]` (a newline follows it in `b`). Returns the index of its
   * newline and sets `kind` (and the trade's fields) when the line is one the fast path vouches
   * for, `UNSURE` when the exact parser must read it. The caller then checks that the line
   * holds no backslash and only ASCII (else the exact parser reads it after all). `view` is a
   * `DataView` of `b`'s bytes (`viewOf(b)`: made once per block by the caller, so the hot loop
   * has no branch that runs once per block, which V8 would compile without feedback and then
   * throw the compiled code away when it runs).
   */
  scan(b: Uint8Array, a: number, view: DataView): number {
    let i = a;
    let c = b[i] as number;
    while (c <= 32 && (c === 32 || c === 9 || c === 13)) c = b[++i] as number; // JSON whitespace
    if (c === 10) {
      this.kind = ByteLine.Blank;
      return i;
    }
    if (c !== 123) return UNSURE; // {
    const t = this.#type;
    t[0] = t[1] = t[2] = t[3] = t[4] = t[5] = ABSENT;
    c = b[++i] as number;
    while (c <= 32 && (c === 32 || c === 9 || c === 13)) c = b[++i] as number; // JSON whitespace
    let key = 0;
    let seen = 0; // bit per slot the line has
    let tsv = NaN; // the time, when parsed as it was read
    for (;;) {
      // the key: the one the last line had here, or found and looked up
      if (c !== 34) return UNSURE;
      const k0 = i + 1;
      let slot: number;
      const guess = key < MAX_KEYS ? (this.#keys[key] as Uint8Array) : NO_KEY;
      let k1 = -1;
      if (
        guess !== NO_KEY &&
        b[k0 + guess.length] === 34 &&
        sameKey(view, b, k0, guess, this.#keyWords[key] as Int32Array)
      )
        k1 = k0 + guess.length;
      if (k1 >= 0) slot = this.#keySlots[key] as number;
      else {
        k1 = k0;
        for (c = b[k1] as number; c !== 34; c = b[++k1] as number) if (c < 32) return UNSURE;
        slot = this.#slotOf(b, k0, k1);
        if (key < MAX_KEYS) {
          const copy = new Uint8Array(b.subarray(k0, k1)); // a copy, and a Uint8Array whatever `b` is
          this.#keys[key] = copy;
          this.#keyWords[key] = keyWords(copy);
          this.#keySlots[key] = slot;
        }
      }
      key++;
      i = k1 + 1;
      c = b[i] as number;
      while (c <= 32 && (c === 32 || c === 9 || c === 13)) c = b[++i] as number; // JSON whitespace
      if (c !== 58) return UNSURE; // :
      c = b[++i] as number;
      while (c <= 32 && (c === 32 || c === 9 || c === 13)) c = b[++i] as number; // JSON whitespace
      // the value
      let ty: number;
      const v0 = i;
      if (c === 34) {
        if (slot === GROUP) {
          // hashed as it is read; a control character sends the line to the exact parser (as there)
          let h = 0x811c9dc5;
          for (c = b[++i] as number; c !== 34; c = b[++i] as number) {
            if (c < 32) return UNSURE;
            h = Math.imul(h ^ c, 0x01000193);
          }
          this.#hash = h;
        } else {
          // other strings only need their end (the exact parser lets a control character in
          // them through too), but not the timestamp's: on an unresolved line it is never read,
          // and the exact parser calls a control character in it a malformed line
          if (slot === TS) {
            // parsed where it lies when it is as long as the last one: a valid time has no
            // control character or quote in it, so the byte after it being a quote ends it
            const e = v0 + 1 + this.#tsLen;
            tsv = b[e] === 34 ? parseIsoBytes(b, v0 + 1, e) : NaN;
            if (tsv === tsv) i = e;
            else {
              for (c = b[++i] as number; c !== 34; c = b[++i] as number) if (c < 32) return UNSURE;
              this.#tsLen = i - v0 - 1;
            }
          } else for (c = b[++i] as number; c !== 34; c = b[++i] as number) if (c === 10) return UNSURE;
        }
        if (slot >= 0) {
          this.#start[slot] = v0 + 1;
          this.#end[slot] = i;
        }
        i++;
        ty = STR;
      } else if (c === 45 || (c >= 48 && c <= 57)) {
        // a number, in JSON's grammar: -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?
        let neg = false;
        if (c === 45) {
          neg = true;
          c = b[++i] as number;
          if (!(c >= 48 && c <= 57)) return UNSURE;
        }
        let m = 0;
        let nd = 0;
        if (c === 48) {
          nd = 1;
          c = b[++i] as number;
        } else
          for (; c >= 48 && c <= 57; c = b[++i] as number) {
            m = m * 10 + (c - 48);
            nd++;
          }
        let frac = -1;
        if (c === 46) {
          frac = 0;
          for (c = b[++i] as number; c >= 48 && c <= 57; c = b[++i] as number) {
            m = m * 10 + (c - 48);
            nd++;
            frac++;
          }
          if (frac === 0) return UNSURE;
        }
        let exact = nd <= 15;
        if (c === 101 || c === 69) {
          exact = false;
          c = b[++i] as number;
          if (c === 43 || c === 45) c = b[++i] as number;
          if (!(c >= 48 && c <= 57)) return UNSURE;
          while (c >= 48 && c <= 57) c = b[++i] as number;
        }
        if (slot >= PNL) {
          // as parseNumber computes it: short decimals exactly, anything longer through Number()
          let v: number;
          if (exact) {
            v = frac > 0 ? m / (POW10[frac] as number) : m;
            if (neg) v = -v;
          } else v = Number(String.fromCharCode.apply(null, b.subarray(v0, i) as unknown as number[]));
          if (slot === PNL) this.pnl = v;
          else if (slot === SIZE) this.size = v;
          else this.entry = v;
          ty = NUM;
        } else ty = OTHER;
      } else if (c === 110 && b[i + 1] === 117 && b[i + 2] === 108 && b[i + 3] === 108) {
        i += 4; // null
        ty = NULL;
      } else if (c === 116 && b[i + 1] === 114 && b[i + 2] === 117 && b[i + 3] === 101) {
        i += 4; // true
        ty = OTHER;
      } else if (c === 102 && b[i + 1] === 97 && b[i + 2] === 108 && b[i + 3] === 115 && b[i + 4] === 101) {
        i += 5; // false
        ty = OTHER;
      } else return UNSURE; // a nested value, or not JSON
      if (slot >= 0) {
        t[slot] = ty;
        seen |= 1 << slot;
      }
      c = b[i] as number;
      while (c <= 32 && (c === 32 || c === 9 || c === 13)) c = b[++i] as number; // JSON whitespace
      if (c === 44) {
        c = b[++i] as number;
        while (c <= 32 && (c === 32 || c === 9 || c === 13)) c = b[++i] as number; // JSON whitespace
        continue;
      }
      if (c !== 125) return UNSURE; // }
      c = b[++i] as number;
      while (c <= 32 && (c === 32 || c === 9 || c === 13)) c = b[++i] as number; // JSON whitespace
      if (c !== 10) return UNSURE;
      break;
    }
    this.seenMask |= seen;
    if (t[RESOLVED] === ABSENT || t[RESOLVED] === NULL) {
      this.kind = ByteLine.Unresolved;
      return i;
    }
    if (t[GROUP] !== STR || t[TS] !== STR || t[PNL] !== NUM || t[SIZE] !== NUM || t[ENTRY] !== NUM)
      return UNSURE;
    const ts = tsv === tsv ? tsv : parseIsoBytes(b, this.#start[TS] as number, this.#end[TS] as number);
    if (!(ts <= this.maxTs) || !(this.size > 0) || !(this.entry > 0)) return UNSURE;
    this.ts = ts;
    this.#groupAt = this.#start[GROUP] as number;
    this.#groupEnd = this.#end[GROUP] as number;
    this.kind = ByteLine.Trade;
    return i;
  }

  /** The view `scan` reads `b` through. */
  static viewOf(b: Uint8Array): DataView {
    return new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  #slotOf(b: Uint8Array, a: number, e: number): number {
    const len = e - a;
    for (let k = 0; k < SLOTS; k++) {
      const n = this.#names[k] as Uint8Array;
      if (n.length !== len) continue;
      let j = 0;
      while (j < len && b[a + j] === n[j]) j++;
      if (j === len) return k;
    }
    return -1;
  }

  /** The id of the group of the trade `scan` just read from `b` (once the line is known to be plain). */
  groupId(b: Uint8Array): number {
    return this.#group(b, this.#groupAt, this.#groupEnd, this.#hash);
  }

  /** The id of the group name in `b[a, e)`, whose bytes hash to `h`. */
  #group(b: Uint8Array, a: number, e: number, h: number): number {
    const table = this.#table;
    const mask = table.length - 1;
    const len = e - a;
    for (let at = h & mask; ; at = (at + 1) & mask) {
      const slot = table[at] as number;
      if (slot === 0) break;
      const g = this.#groupBytes[slot - 1] as Uint8Array;
      if (g.length !== len) continue;
      let j = 0;
      while (j < len && b[a + j] === g[j]) j++;
      if (j === len) return slot - 1;
    }
    const id = this.idOf(String.fromCharCode.apply(null, b.subarray(a, e) as unknown as number[]));
    this.#insert(h, id);
    return id;
  }

  #insert(h: number, id: number): void {
    let table = this.#table;
    if ((this.#count + 1) * 2 > table.length) {
      const old = table;
      table = new Int32Array(old.length * 2);
      this.#table = table;
      for (const [g, k] of this.#hashes) this.#place(table, g, k);
    }
    this.#place(table, h, id);
    this.#hashes.push([h, id]);
    this.#count++;
  }

  #place(table: Int32Array, h: number, id: number): void {
    const mask = table.length - 1;
    let at = h & mask;
    while (table[at] !== 0) at = (at + 1) & mask;
    table[at] = id + 1;
  }
}
