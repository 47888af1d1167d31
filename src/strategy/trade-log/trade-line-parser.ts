import type { TradeFields } from '../evaluate/evaluation-options.js';
import { parseIsoMs } from './iso-time.js';
import { parseNumber } from './number-parse.js';
import { isWs, splitCsv, trailingOk } from './scan-chars.js';
import { LineResult, type IssueKind } from './trade-line-result.js';

export { LineResult, type IssueKind } from './trade-line-result.js';

// Field slots.
const TS = 0;
const GROUP = 1;
const RESOLVED = 2;
const PNL = 3;
const SIZE = 4;
const ENTRY = 5;
const EXTRA = 6; // optional: a label field for the tuner
const SLOTS = 7;
const REQUIRED = 6; // slots 0..5
const ALL_REQUIRED = (1 << REQUIRED) - 1;
/** Lines whose field names are collected for the "no line has the fields" error. */
const NAME_LINES = 20;
const MAX_NAMES = 40;
/** Keys of a line remembered for the next one. */
const MAX_KEYS = 32;

// Value types in a slot.
const ABSENT = 0;
const NULL = 1;
const STR = 2; // a JSON string without escapes, or a CSV cell
const NUM = 3;
const OTHER = 4; // true / false

/**
 * Parses trade lines (flat JSON objects or CSV rows) in place in a decoded chunk, without
 * building objects: the fields' names are matched where they stand and numbers and ISO
 * timestamps are read from the characters. Lines the fast path does not cover (escapes,
 * nested values, odd spacing) go through `JSON.parse`, which stays the authority. One leniency:
 * a raw control character inside a string other than the group and the timestamp is let
 * through (strict JSON rejects it); it cannot change a figure.
 * After `parse()` returns `Trade`, read `group`, `ts`, `pnl`, `size`, `entry`; after `Issue`,
 * read `issue` and `issueField`.
 */
export class TradeLineParser {
  readonly #names: string[];
  readonly #csv: boolean;
  #csvIndex: Int32Array = new Int32Array(0);
  #csvColumns = 0;
  readonly #type = new Int32Array(SLOTS);
  readonly #start = new Int32Array(SLOTS);
  readonly #end = new Int32Array(SLOTS);
  #slowValues: unknown[] = new Array<unknown>(SLOTS);
  #slow = false;
  #s = '';
  readonly #known: string[] = [];
  /** The keys of the last JSON line, in order, and their slots: the next line's likely keys. */
  readonly #keyNames: string[] = [];
  readonly #keySlots = new Int32Array(MAX_KEYS);
  #bsIn = '';
  #bsAt = -1;
  /** Bit per required slot: set once any line had that field. */
  #seenMask = 0;
  #nameLines = NAME_LINES;
  readonly #foundNames = new Set<string>();
  /** A trade stamped after this (ms) is a `future_timestamp` line. */
  maxTs = Infinity;

  group = '';
  ts = 0;
  pnl = 0;
  size = 0;
  entry = 0;
  /** The optional extra field is present and neither null nor false. */
  extra = false;
  issue: IssueKind = 'malformed';
  issueField = '';

  constructor(fields: TradeFields, groupBy: string, format: 'jsonl' | 'csv', extraField = '\u0000') {
    this.#names = [
      fields.ts,
      groupBy,
      fields.resolved,
      fields.pnl,
      fields.size,
      fields.entryPrice,
      extraField,
    ];
    this.#csv = format === 'csv';
  }

  /** True when the CSV header has been read (always true for JSON lines). */
  get ready(): boolean {
    return !this.#csv || this.#csvColumns > 0;
  }

  /**
   * The configured field names (ts, group, resolved, pnl, size, entry price) no line has had so
   * far; `alsoSeen` adds the fields another reader of the same lines saw (a bit per field, in
   * that order).
   */
  missingFields(alsoSeen = 0): string[] {
    const seen = this.#seenMask | alsoSeen;
    return this.#names.slice(0, REQUIRED).filter((_, k) => (seen & (1 << k)) === 0);
  }

  /** The field names found in the first lines (for an error about field names). */
  foundFields(): string[] {
    return [...this.#foundNames];
  }

  /** Reads the CSV header; returns the names of the required columns it lacks. */
  header(s: string, a: number, b: number): string[] {
    const cols = splitCsv(s, a, b);
    for (const c of cols) if (this.#foundNames.size < MAX_NAMES) this.#foundNames.add(c);
    this.#csvColumns = cols.length;
    this.#csvIndex = new Int32Array(cols.length).fill(-1);
    const missing: string[] = [];
    this.#names.forEach((name, slot) => {
      const at = cols.indexOf(name);
      if (at < 0 && slot !== EXTRA) missing.push(name);
      else if (at < 0) return;
      else {
        this.#csvIndex[at] = slot;
        if (slot < REQUIRED) this.#seenMask |= 1 << slot;
      }
    });
    return missing;
  }

  /** Parses `s[a, b)` (no newline). */
  parse(s: string, a: number, b: number): LineResult {
    let i = a;
    while (i < b && isWs(s.charCodeAt(i))) i++;
    if (i === b) return LineResult.Blank;
    this.#type.fill(ABSENT);
    this.#s = s;
    this.#slow = false;
    const collect = this.#nameLines > 0 && !this.#csv;
    if (collect) this.#nameLines--;
    if (this.#csv) {
      if (!this.#scanCsv(s, a, b)) return this.#fail('malformed', '');
    } else if (this.#hasBackslash(s, a, b) || !this.#scanJson(s, i, b, collect)) {
      let v: unknown;
      try {
        v = JSON.parse(s.slice(a, b));
      } catch {
        return this.#fail('malformed', '');
      }
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return this.#fail('malformed', '');
      this.#slow = true;
      const o = v as Record<string, unknown>;
      for (let k = 0; k < SLOTS; k++) {
        const name = this.#names[k] as string;
        const x = Object.hasOwn(o, name) ? o[name] : undefined;
        this.#slowValues[k] = x;
        if (x !== undefined && k < REQUIRED) this.#seenMask |= 1 << k;
      }
      if (collect) for (const n of Object.keys(o)) this.#addName(n);
    } else if (this.#seenMask !== ALL_REQUIRED) {
      const t = this.#type;
      for (let k = 0; k < REQUIRED; k++) if (t[k] !== ABSENT) this.#seenMask |= 1 << k;
    }
    return this.#interpret();
  }

  #addName(n: string): void {
    if (this.#foundNames.size < MAX_NAMES) this.#foundNames.add(n);
  }

  /** The checks every trade passes after its fields are read: in time, positive size and price. */
  #sane(): LineResult {
    if (this.ts > this.maxTs) return this.#fail('future_timestamp', this.#names[TS] as string);
    if (!(this.size > 0)) return this.#fail('non_positive_size', this.#names[SIZE] as string);
    if (!(this.entry > 0)) return this.#fail('non_positive_entry_price', this.#names[ENTRY] as string);
    return LineResult.Trade;
  }

  #fail(kind: IssueKind, field: string): LineResult {
    this.issue = kind;
    this.issueField = field;
    return LineResult.Issue;
  }

  #interpret(): LineResult {
    if (this.#slow) return this.#interpretSlow();
    const t = this.#type;
    const s = this.#s;
    if (t[RESOLVED] === ABSENT || t[RESOLVED] === NULL) return LineResult.Unresolved;
    // group
    if (t[GROUP] === STR) {
      const a = this.#start[GROUP] as number;
      const len = (this.#end[GROUP] as number) - a;
      const g = this.group;
      if (len === 0 && this.#csv) return this.#fail('missing_field', this.#names[GROUP] as string);
      if (g.length !== len || !s.startsWith(g, a)) this.group = this.#intern(s, a, len);
    } else if (t[GROUP] === NUM || t[GROUP] === OTHER) {
      this.group = s.slice(this.#start[GROUP], this.#end[GROUP]);
    } else {
      return this.#fail('missing_field', this.#names[GROUP] as string);
    }
    // timestamp
    if (t[TS] === ABSENT || t[TS] === NULL) return this.#fail('missing_field', this.#names[TS] as string);
    if (t[TS] !== STR) return this.#fail('bad_timestamp', this.#names[TS] as string);
    this.ts = parseIsoMs(s, this.#start[TS], this.#end[TS]);
    if (this.ts !== this.ts) return this.#fail('bad_timestamp', this.#names[TS] as string);
    // numbers
    for (let k = PNL; k <= ENTRY; k++) {
      const ty = t[k];
      const name = this.#names[k] as string;
      if (ty === ABSENT || ty === NULL) return this.#fail('missing_field', name);
      if (ty !== NUM && !(this.#csv && ty === STR)) return this.#fail('non_numeric', name);
      const v = parseNumber(s, this.#start[k] as number, this.#end[k] as number);
      if (!Number.isFinite(v)) return this.#fail('non_numeric', name);
      if (k === PNL) this.pnl = v;
      else if (k === SIZE) this.size = v;
      else this.entry = v;
    }
    const ex = t[EXTRA];
    this.extra =
      ex === NUM ||
      (ex === OTHER && s.charCodeAt(this.#start[EXTRA] as number) === 116) ||
      (ex === STR && !this.#csvFalse());
    return this.#sane();
  }

  #csvFalse(): boolean {
    const v = this.#s.slice(this.#start[EXTRA], this.#end[EXTRA]).toLowerCase();
    return v === 'false' || v === '0';
  }

  #interpretSlow(): LineResult {
    const v = this.#slowValues;
    if (v[RESOLVED] === undefined || v[RESOLVED] === null) return LineResult.Unresolved;
    const g = v[GROUP];
    if (typeof g === 'string') this.group = g;
    else if (typeof g === 'number' || typeof g === 'boolean') this.group = String(g);
    else return this.#fail('missing_field', this.#names[GROUP] as string);
    const ts = v[TS];
    if (ts === undefined || ts === null) return this.#fail('missing_field', this.#names[TS] as string);
    this.ts = typeof ts === 'string' ? parseIsoMs(ts) : NaN;
    if (this.ts !== this.ts) return this.#fail('bad_timestamp', this.#names[TS] as string);
    for (let k = PNL; k <= ENTRY; k++) {
      const x = v[k];
      const name = this.#names[k] as string;
      if (x === undefined || x === null) return this.#fail('missing_field', name);
      if (typeof x !== 'number' || !Number.isFinite(x)) return this.#fail('non_numeric', name);
      if (k === PNL) this.pnl = x;
      else if (k === SIZE) this.size = x;
      else this.entry = x;
    }
    const ex = v[EXTRA];
    this.extra = ex !== undefined && ex !== null && ex !== false;
    return this.#sane();
  }

  /**
   * Whether `s[a, b)` holds a backslash (an escape: the line goes to JSON.parse). The next
   * backslash of the chunk is remembered, so the whole chunk is searched once, not per line.
   */
  #hasBackslash(s: string, a: number, b: number): boolean {
    if (s !== this.#bsIn) {
      this.#bsIn = s;
      this.#bsAt = s.indexOf('\\');
    }
    if (this.#bsAt >= 0 && this.#bsAt < a) this.#bsAt = s.indexOf('\\', a);
    return this.#bsAt >= 0 && this.#bsAt < b;
  }

  /** Returns a known group name equal to `s[a, a + len)` without allocating, or slices a new one. */
  #intern(s: string, a: number, len: number): string {
    const known = this.#known;
    for (let i = 0; i < known.length; i++) {
      const k = known[i] as string;
      if (k.length === len && s.startsWith(k, a)) return k;
    }
    const g = s.slice(a, a + len);
    if (known.length < 256) known.push(g);
    return g;
  }

  #slotOf(s: string, a: number, b: number): number {
    const len = b - a;
    const names = this.#names;
    for (let k = 0; k < SLOTS; k++) {
      const n = names[k] as string;
      if (n.length === len && s.startsWith(n, a)) return k;
    }
    return -1;
  }

  /** The fast path for flat JSON objects; false sends the line to JSON.parse. */
  #scanJson(s: string, i: number, b: number, collect: boolean): boolean {
    if (s.charCodeAt(i) !== 123) return false; // {
    i++;
    while (i < b && isWs(s.charCodeAt(i))) i++;
    if (s.charCodeAt(i) === 125) return trailingOk(s, i + 1, b);
    let key = 0;
    for (;;) {
      if (s.charCodeAt(i) !== 34) return false;
      const k0 = i + 1;
      // Lines of one log share their keys in one order: try the key the last line had here.
      const guess = this.#keyNames[key];
      let k1: number;
      let slot: number;
      if (
        guess !== undefined &&
        k0 + guess.length < b &&
        s.charCodeAt(k0 + guess.length) === 34 &&
        s.startsWith(guess, k0)
      ) {
        k1 = k0 + guess.length;
        slot = this.#keySlots[key] as number;
      } else {
        k1 = s.indexOf('"', k0);
        if (k1 < 0 || k1 >= b) return false;
        slot = this.#slotOf(s, k0, k1);
        if (key < MAX_KEYS) {
          this.#keyNames[key] = s.slice(k0, k1);
          this.#keySlots[key] = slot;
        }
      }
      key++;
      i = k1 + 1;
      if (s.charCodeAt(i) === 58) i++;
      else {
        while (i < b && isWs(s.charCodeAt(i))) i++;
        if (s.charCodeAt(i) !== 58) return false;
        i++;
      }
      while (i < b && isWs(s.charCodeAt(i))) i++;
      if (collect) this.#addName(s.slice(k0, k1));
      const c = s.charCodeAt(i);
      let ty: number;
      let v0 = i;
      let v1: number;
      if (c === 34) {
        v0 = i + 1;
        v1 = s.indexOf('"', v0);
        if (v1 < 0 || v1 >= b) return false;
        if (slot === GROUP || slot === TS) {
          for (let k = v0; k < v1; k++) if (s.charCodeAt(k) < 32) return false;
        }
        i = v1 + 1;
        ty = STR;
      } else if (c === 45 || (c >= 48 && c <= 57)) {
        v1 = i + 1;
        for (; v1 < b; v1++) {
          const d = s.charCodeAt(v1);
          if (!((d >= 48 && d <= 57) || d === 46 || d === 101 || d === 69 || d === 43 || d === 45)) break;
        }
        i = v1;
        ty = NUM;
      } else if (c === 110 && s.startsWith('null', i)) {
        i += 4;
        v1 = i;
        ty = NULL;
      } else if (c === 116 && s.startsWith('true', i)) {
        i += 4;
        v1 = i;
        ty = OTHER;
      } else if (c === 102 && s.startsWith('false', i)) {
        i += 5;
        v1 = i;
        ty = OTHER;
      } else {
        return false;
      }
      if (slot >= 0) {
        this.#type[slot] = ty;
        this.#start[slot] = v0;
        this.#end[slot] = v1;
      }
      while (i < b && isWs(s.charCodeAt(i))) i++;
      const d = s.charCodeAt(i);
      if (d === 44) {
        i++;
        while (i < b && isWs(s.charCodeAt(i))) i++;
        continue;
      }
      if (d === 125) return trailingOk(s, i + 1, b);
      return false;
    }
  }

  #scanCsv(s: string, a: number, b: number): boolean {
    let col = 0;
    let i = a;
    if (b > a && s.charCodeAt(b - 1) === 13) b--; // CRLF
    for (;;) {
      let v0 = i;
      let v1: number;
      if (s.charCodeAt(i) === 34) {
        // quoted: find the closing quote ("" is an escaped quote)
        let j = i + 1;
        let escaped = false;
        for (;;) {
          if (j >= b) return false;
          if (s.charCodeAt(j) === 34) {
            if (s.charCodeAt(j + 1) === 34) {
              escaped = true;
              j += 2;
              continue;
            }
            break;
          }
          j++;
        }
        if (escaped) return false; // rare: let the caller report it rather than guess
        v0 = i + 1;
        v1 = j;
        i = j + 1;
        if (i < b && s.charCodeAt(i) !== 44) return false;
      } else {
        v1 = s.indexOf(',', i);
        if (v1 < 0 || v1 > b) v1 = b;
        i = v1;
      }
      if (col >= this.#csvColumns) return false;
      const slot = this.#csvIndex[col] as number;
      if (slot >= 0) {
        let x0 = v0;
        let x1 = v1;
        while (x0 < x1 && s.charCodeAt(x0) === 32) x0++;
        while (x1 > x0 && s.charCodeAt(x1 - 1) === 32) x1--;
        this.#type[slot] = x1 === x0 ? NULL : STR;
        this.#start[slot] = x0;
        this.#end[slot] = x1;
      }
      col++;
      if (i >= b) break;
      i++; // the comma
    }
    return col === this.#csvColumns;
  }
}
