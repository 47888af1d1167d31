/** Why a checkpoint file was skipped: what was wrong with it. */
export type CorruptKind =
  | 'empty' // zero bytes
  | 'header' // no header line, not a Warden checkpoint header, or a missing or malformed field
  | 'name' // a well-formed header whose seq disagrees with the file name (a renamed or planted file)
  | 'special' // not a regular file (FIFO, symlink, directory, socket, device): skipped without being opened
  | 'version' // a format version this build does not read
  | 'truncated' // fewer payload bytes than the header announces
  | 'length' // more payload bytes than the header announces
  | 'checksum' // the payload's SHA-256 differs from the header's
  | 'json' // the checksum matches but the payload is not JSON
  | 'io'; // the file could not be read

/** A checkpoint file that cannot be trusted; `kind` classifies it, the message says where and why. */
export class CheckpointCorruptError extends Error {
  readonly code = 'E_CHECKPOINT_CORRUPT';
  constructor(
    readonly kind: CorruptKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CheckpointCorruptError';
  }
}
