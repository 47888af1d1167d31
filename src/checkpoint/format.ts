// The on-disk format of one checkpoint file:
//
//   {"format":"warden-checkpoint","version":1,"seq":42,"savedAt":1764000000000,"length":1048576,"sha256":"…"}\n
//   <exactly `length` bytes of UTF-8 JSON: the state>
//
// One header line, then the payload bytes as they were hashed. The checksum covers the exact
// payload bytes on disk, so verifying it never re-serializes anything (the seed re-serialized
// the parsed state and compared, which depends on key order and number formatting). It also
// covers the header's version, seq, savedAt and length (see `checksum`), so a flipped digit
// in the header's time is caught too, not only one in the payload.
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { CheckpointCorruptError } from './checkpoint-corrupt-error.js';
import { CheckpointStateError } from './checkpoint-state-error.js';

/** The format version this build writes and reads. */
export const CHECKPOINT_FORMAT_VERSION = 1;
const FORMAT = 'warden-checkpoint';
/** A header longer than this is not ours. */
const MAX_HEADER_BYTES = 1024;
const NEWLINE = 0x0a;

/** The fields of a checkpoint header. */
export interface CheckpointHeader {
  readonly seq: number;
  readonly savedAt: number;
  readonly length: number;
  readonly sha256: string;
}

/** Serializes `state` and returns the header line and the payload, ready to be written in that order. */
export function encodeCheckpoint(
  state: unknown,
  seq: number,
  savedAt: number,
): { header: CheckpointHeader; head: Buffer; payload: Buffer } {
  let json: string | undefined;
  try {
    json = JSON.stringify(state);
  } catch (err) {
    throw new CheckpointStateError(
      `checkpoint state is not serializable to JSON: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  if (json === undefined) {
    throw new CheckpointStateError(`checkpoint state is not serializable to JSON (got ${typeof state})`);
  }
  const payload = Buffer.from(json, 'utf8');
  const sha256 = checksum(seq, savedAt, payload);
  const header: CheckpointHeader = { seq, savedAt, length: payload.length, sha256 };
  const head = Buffer.from(
    `{"format":"${FORMAT}","version":${CHECKPOINT_FORMAT_VERSION},"seq":${seq},"savedAt":${savedAt},` +
      `"length":${payload.length},"sha256":"${sha256}"}\n`,
    'utf8',
  );
  return { header, head, payload };
}

/**
 * Parses and verifies the bytes of one checkpoint file. Throws `CheckpointCorruptError` with
 * its `kind` for anything that is not a whole, untampered checkpoint of this format version.
 */
export function decodeCheckpoint(bytes: Buffer, expectedSeq?: number): CheckpointHeader & { state: unknown } {
  const { header, payloadOffset } = decodeHeader(bytes, expectedSeq);
  checkLength(header, bytes.length - payloadOffset);
  return { ...header, state: verifyPayload(header, bytes.subarray(payloadOffset)) };
}

/** Opening flags: never follow a symlink, never block on a FIFO swapped in after the caller's lstat. */
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/**
 * Reads one checkpoint file: the header first, then, only when the file's size matches what
 * the header announces, the payload. A junk file with a checkpoint's name is not read whole.
 * Only a regular file is read: a symlink fails to open (`io`), and anything else that was
 * swapped in after the caller checked the entry is closed unread (`special`).
 */
export function readCheckpointFile(
  file: string,
  expectedSeq?: number,
): CheckpointHeader & { state: unknown } {
  const fd = openSync(file, READ_FLAGS);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new CheckpointCorruptError('special', 'not a regular file; not read');
    const size = st.size;
    const prefix = readAt(fd, Math.min(size, MAX_HEADER_BYTES), 0);
    const { header, payloadOffset } = decodeHeader(prefix, expectedSeq);
    checkLength(header, size - payloadOffset);
    const payload = readAt(fd, header.length, payloadOffset);
    checkLength(header, payload.length); // the file shrank while being read
    return { ...header, state: verifyPayload(header, payload) };
  } finally {
    closeSync(fd);
  }
}

/** Reads up to `length` bytes at `position`; fewer only at the end of the file. */
function readAt(fd: number, length: number, position: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buf, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done === length ? buf : buf.subarray(0, done);
}

/** Parses the header line at the start of `bytes` (at least its first 1 KB, or all of a shorter file). */
function decodeHeader(
  bytes: Buffer,
  expectedSeq: number | undefined,
): { header: CheckpointHeader; payloadOffset: number } {
  if (bytes.length === 0) throw new CheckpointCorruptError('empty', 'empty file');
  const nl = bytes.subarray(0, MAX_HEADER_BYTES).indexOf(NEWLINE);
  if (nl < 0) {
    throw new CheckpointCorruptError('header', `no header line in the first ${MAX_HEADER_BYTES} bytes`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8', 0, nl));
  } catch (err) {
    throw new CheckpointCorruptError('header', 'header line is not JSON', { cause: err });
  }
  if (typeof raw !== 'object' || raw === null || (raw as { format?: unknown }).format !== FORMAT) {
    throw new CheckpointCorruptError('header', `header is not a ${FORMAT} header`);
  }
  const h = raw as Record<string, unknown>;
  if (h.version !== CHECKPOINT_FORMAT_VERSION) {
    throw new CheckpointCorruptError(
      'version',
      `format version ${JSON.stringify(h.version)} is not supported (this build reads ${CHECKPOINT_FORMAT_VERSION})`,
    );
  }
  const { seq, savedAt, length, sha256 } = h;
  if (
    !isCount(seq) ||
    !isCount(savedAt) ||
    !isCount(length) ||
    typeof sha256 !== 'string' ||
    !/^[0-9a-f]{64}$/.test(sha256)
  ) {
    throw new CheckpointCorruptError(
      'header',
      'header has a missing or malformed seq, savedAt, length or sha256',
    );
  }
  if (expectedSeq !== undefined && seq !== expectedSeq) {
    throw new CheckpointCorruptError('name', `header says seq ${seq} but the file name says ${expectedSeq}`);
  }
  return { header: { seq, savedAt, length, sha256 }, payloadOffset: nl + 1 };
}

function checkLength(header: CheckpointHeader, payloadBytes: number): void {
  if (payloadBytes < header.length) {
    throw new CheckpointCorruptError(
      'truncated',
      `payload is ${payloadBytes} bytes, header announces ${header.length}`,
    );
  }
  if (payloadBytes > header.length) {
    throw new CheckpointCorruptError(
      'length',
      `payload is ${payloadBytes} bytes, header announces ${header.length}`,
    );
  }
}

/** Checks the checksum, then parses the payload. */
function verifyPayload(header: CheckpointHeader, payload: Buffer): unknown {
  const actual = checksum(header.seq, header.savedAt, payload);
  if (actual !== header.sha256) {
    throw new CheckpointCorruptError(
      'checksum',
      `payload SHA-256 ${actual.slice(0, 12)}… differs from header's ${header.sha256.slice(0, 12)}…`,
    );
  }
  try {
    return JSON.parse(payload.toString('utf8'));
  } catch (err) {
    throw new CheckpointCorruptError('json', `payload is not JSON: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/**
 * SHA-256 over a line binding the header's fields, then the payload bytes:
 * `warden-checkpoint/<version> <seq> <savedAt> <length>\n<payload>`.
 */
export function checksum(seq: number, savedAt: number, payload: Uint8Array): string {
  return createHash('sha256')
    .update(`${FORMAT}/${CHECKPOINT_FORMAT_VERSION} ${seq} ${savedAt} ${payload.length}\n`)
    .update(payload)
    .digest('hex');
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}
