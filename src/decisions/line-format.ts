import { hash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import { DecisionRecordError } from './decision-record-error.js';

// One line of the decision log (docs/decisions.md, "Line format"):
//   {"by":…,"data":…,"kind":…,"prev":"<64 hex>","seq":N,"ts":N,"hash":"<64 hex>"}\n
// Everything before `,"hash"` plus `}` is the canonical serialisation of the record without its
// hash; `hash` is the SHA-256 (lower-case hex) of those UTF-8 bytes. `hash` is always the last
// member, so its place is fixed: the last 75 bytes of the line, newline excluded.

/** The `prev` of the first line of a log: 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

/** Bytes of `,"hash":"` + 64 hex digits + `"}`. */
export const HASH_SUFFIX_BYTES = 75;

const KIND = /^[a-z][a-z0-9_.:-]{0,63}$/;

/** The head of a chain: the last line's sequence number and hash (seq 0 and GENESIS_HASH when empty). */
export interface DecisionHead {
  readonly seq: number;
  readonly hash: string;
}

/** What a caller appends: a kind (`gate`, `mode`, `state`, `bot`, …), the data, and optionally who decided. */
export interface DecisionInput {
  /** Lower-case, starting with a letter: `gate`, `mode`, `state`, `bot`, `bot.signal`… */
  readonly kind: string;
  /** Any JSON value: the intent, each layer's verdict and its inputs, a mode change… */
  readonly data: unknown;
  /** Who made the decision (a process, a person, a bot name). */
  readonly by?: string;
}

/** The fields of a line as read back. */
export interface DecisionRecord extends DecisionHead {
  readonly prev: string;
  readonly ts: number;
  readonly kind: string;
  readonly data: unknown;
  readonly by?: string;
}

/** The line (with its newline) and the hash of one record. */
export interface FormattedLine {
  readonly line: string;
  readonly hash: string;
}

/** Builds the canonical line of a record; throws `DecisionRecordError` on bad input. */
export function formatLine(input: DecisionInput, prev: string, seq: number, ts: number): FormattedLine {
  if (typeof input !== 'object' || input === null)
    throw new DecisionRecordError('record', 'expected an object {kind, data, by?}');
  const { kind, by } = input;
  if (typeof kind !== 'string' || !KIND.test(kind))
    throw new DecisionRecordError(
      'kind',
      `${JSON.stringify(kind)} is not a kind (lower-case letters, digits, _ . : -, starting with a letter)`,
    );
  if (by !== undefined && typeof by !== 'string')
    throw new DecisionRecordError('by', `expected a string, got ${typeof by}`);
  if (!Number.isSafeInteger(ts)) throw new DecisionRecordError('ts', `clock gave ${ts}, not an integer ms`);
  const body =
    (by === undefined ? '{' : `{"by":${JSON.stringify(by)},`) +
    `"data":${canonicalJson(input.data === undefined ? null : input.data)},"kind":"${kind}","prev":"${prev}","seq":${seq},"ts":${ts}`;
  const h = hash('sha256', body + '}');
  return { line: `${body},"hash":"${h}"}\n`, hash: h };
}

/** A line that is not a valid record, and why. */
export interface LineProblem {
  readonly code: 'malformed' | 'hash_mismatch' | 'not_canonical';
  readonly message: string;
}

/** The chain fields of a line whose own hash checks out. */
export interface LineChain {
  readonly seq: number;
  readonly ts: number;
  readonly hash: string;
  /** Offset in the buffer of the 64 hex digits of `prev` (compare with `prevIs`). */
  readonly prevAt: number;
}

const HEX = new Uint8Array(256);
for (const c of '0123456789abcdef') HEX[c.charCodeAt(0)] = 1;

function isHexAt(buf: Uint8Array, at: number, n: number): boolean {
  for (let i = at; i < at + n; i++) if (HEX[buf[i]!] !== 1) return false;
  return true;
}

/** True when the 64 bytes at `at` spell `hex`. */
export function hexAt(buf: Uint8Array, at: number, hex: string): boolean {
  for (let i = 0; i < 64; i++) if (buf[at + i] !== hex.charCodeAt(i)) return false;
  return true;
}

/** Reads a decimal integer (a leading `-` allowed) in bytes `start`..`end`; NaN if it is not one. */
function intIn(buf: Uint8Array, start: number, end: number): number {
  let i = start;
  let neg = false;
  if (buf[i] === 0x2d) {
    neg = true;
    i++;
  }
  if (i >= end || (buf[i] === 0x30 && end - i > 1)) return NaN;
  let v = 0;
  for (; i < end; i++) {
    const d = buf[i]! - 0x30;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
  }
  return neg ? -v : v;
}

function startsAt(buf: Uint8Array, at: number, needle: Uint8Array): boolean {
  for (let j = 0; j < needle.length; j++) if (buf[at + j] !== needle[j]) return false;
  return true;
}

const TS = Buffer.from(',"ts":');
const SEQ = Buffer.from(',"seq":');
const PREV = Buffer.from(',"prev":"');
const HASHKEY = Buffer.from(',"hash":"');

/**
 * Checks one line (bytes `start`..`end` of `buf`, no newline) without a JSON parse: its shape, then
 * its own hash. `buf` is briefly modified in place (the `,` before `"hash"` becomes `}` while
 * hashing) and restored. Returns the chain fields or the problem.
 */
export function checkLine(buf: Buffer, start: number, end: number): LineChain | LineProblem {
  const len = end - start;
  if (len < HASH_SUFFIX_BYTES + 2 || buf[start] !== 0x7b)
    return { code: 'malformed', message: 'not a decision line (expected {…,"hash":"…"})' };
  const hk = end - HASH_SUFFIX_BYTES;
  if (!startsAt(buf, hk, HASHKEY))
    return { code: 'malformed', message: 'no "hash" member at the end of the line' };
  if (!isHexAt(buf, hk + 9, 64) || buf[end - 2] !== 0x22 || buf[end - 1] !== 0x7d)
    return { code: 'malformed', message: '"hash" is not 64 lower-case hex digits' };
  // Walk back over the digits of ts, then of seq: both are plain integers right before "hash".
  let i = hk - 1;
  while (i > start && buf[i]! >= 0x30 && buf[i]! <= 0x39) i--;
  if (buf[i] === 0x2d) i--;
  const tsAt = i - (TS.length - 1);
  if (tsAt < start || !startsAt(buf, tsAt, TS))
    return { code: 'malformed', message: 'no "ts" member before "hash"' };
  i = tsAt - 1;
  while (i > start && buf[i]! >= 0x30 && buf[i]! <= 0x39) i--;
  const seqAt = i - (SEQ.length - 1);
  if (seqAt < start || !startsAt(buf, seqAt, SEQ))
    return { code: 'malformed', message: 'no "seq" member before "ts"' };
  const prevAt = seqAt - 74;
  if (prevAt < start || !startsAt(buf, prevAt, PREV))
    return { code: 'malformed', message: 'no "prev" member before "seq"' };
  if (!isHexAt(buf, prevAt + 9, 64) || buf[seqAt - 1] !== 0x22)
    return { code: 'malformed', message: '"prev" is not 64 lower-case hex digits' };
  const seq = intIn(buf, seqAt + SEQ.length, tsAt);
  const ts = intIn(buf, tsAt + TS.length, hk);
  if (!(seq >= 1) || !Number.isSafeInteger(seq))
    return { code: 'malformed', message: '"seq" is not a positive integer' };
  if (!Number.isSafeInteger(ts)) return { code: 'malformed', message: '"ts" is not an integer' };
  buf[hk] = 0x7d;
  const actual = hash('sha256', buf.subarray(start, hk + 1));
  buf[hk] = 0x2c;
  if (!hexAt(buf, hk + 9, actual))
    return {
      code: 'hash_mismatch',
      message: `hash does not match the line's content (the line was edited): stated ${buf.toString('latin1', hk + 9, hk + 21)}…, computed ${actual.slice(0, 12)}…`,
    };
  return { seq, ts, hash: actual, prevAt: prevAt + 9 };
}

/** True when `r` is a problem, not chain fields. */
export function isProblem<T extends object>(r: T | LineProblem): r is LineProblem {
  return 'code' in r;
}

/**
 * The strict check: the line parses as JSON, holds only the known members, and is byte for byte the
 * canonical serialisation of what it holds. Returns the record or the problem.
 */
export function parseStrict(text: string): DecisionRecord | LineProblem {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    return { code: 'malformed', message: `not JSON (${(err as Error).message})` };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    return { code: 'malformed', message: 'not a JSON object' };
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!['by', 'data', 'kind', 'prev', 'seq', 'ts', 'hash'].includes(k))
      return { code: 'malformed', message: `unknown member ${JSON.stringify(k)}` };
  }
  let again: FormattedLine;
  try {
    again = formatLine(
      { kind: o.kind as string, data: o.data, by: o.by as string | undefined },
      o.prev as string,
      o.seq as number,
      o.ts as number,
    );
  } catch (err) {
    return { code: 'malformed', message: (err as Error).message };
  }
  if (again.line !== `${text}\n`)
    return { code: 'not_canonical', message: 'the line is not in canonical form (keys, spacing or numbers)' };
  return o as unknown as DecisionRecord;
}
