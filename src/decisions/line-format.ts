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
  readonly prev: string;
  readonly ts: number;
  readonly hash: string;
}

const HEX = new Uint8Array(256);
for (const c of '0123456789abcdef') HEX[c.charCodeAt(0)] = 1;

function isHexAt(buf: Uint8Array, at: number, n: number): boolean {
  for (let i = at; i < at + n; i++) if (HEX[buf[i]!] !== 1) return false;
  return true;
}

/** Reads a non-negative (or, for ts, possibly negative) decimal integer ending right before `end`. */
function intBefore(buf: Uint8Array, start: number, end: number): number {
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

function lastIndexOf(buf: Uint8Array, needle: Uint8Array, before: number, floor: number): number {
  outer: for (let i = before - needle.length; i >= floor; i--) {
    for (let j = 0; j < needle.length; j++) if (buf[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
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
  for (let j = 0; j < HASHKEY.length; j++) {
    if (buf[hk + j] !== HASHKEY[j])
      return { code: 'malformed', message: 'no "hash" member at the end of the line' };
  }
  if (!isHexAt(buf, hk + 9, 64) || buf[end - 2] !== 0x22 || buf[end - 1] !== 0x7d)
    return { code: 'malformed', message: '"hash" is not 64 lower-case hex digits' };
  const tsAt = lastIndexOf(buf, TS, hk, start);
  if (tsAt < 0) return { code: 'malformed', message: 'no "ts" member before "hash"' };
  const seqAt = lastIndexOf(buf, SEQ, tsAt, start);
  if (seqAt < 0) return { code: 'malformed', message: 'no "seq" member before "ts"' };
  const prevAt = seqAt - 74;
  if (prevAt < start) return { code: 'malformed', message: 'no "prev" member before "seq"' };
  for (let j = 0; j < PREV.length; j++) {
    if (buf[prevAt + j] !== PREV[j]) return { code: 'malformed', message: 'no "prev" member before "seq"' };
  }
  if (!isHexAt(buf, prevAt + 9, 64) || buf[seqAt - 1] !== 0x22)
    return { code: 'malformed', message: '"prev" is not 64 lower-case hex digits' };
  const seq = intBefore(buf, seqAt + SEQ.length, tsAt);
  const ts = intBefore(buf, tsAt + TS.length, hk);
  if (!(seq >= 1) || !Number.isSafeInteger(seq))
    return { code: 'malformed', message: '"seq" is not a positive integer' };
  if (!Number.isSafeInteger(ts)) return { code: 'malformed', message: '"ts" is not an integer' };
  const stated = buf.toString('latin1', hk + 9, hk + 73);
  buf[hk] = 0x7d;
  const actual = hash('sha256', buf.subarray(start, hk + 1));
  buf[hk] = 0x2c;
  if (actual !== stated)
    return {
      code: 'hash_mismatch',
      message: `hash does not match the line's content (the line was edited): stated ${stated.slice(0, 12)}…, computed ${actual.slice(0, 12)}…`,
    };
  return { seq, prev: buf.toString('latin1', prevAt + 9, prevAt + 73), ts, hash: stated };
}

/** True when `r` is a problem, not chain fields. */
export function isProblem(r: LineChain | LineProblem): r is LineProblem {
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
