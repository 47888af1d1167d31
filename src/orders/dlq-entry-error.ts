/** A dead-letter entry that does not exist, or cannot be replayed or resolved in its status. */
export class DlqEntryError extends Error {
  readonly code = 'E_DLQ_ENTRY' as const;
  readonly id: number;
  constructor(id: number, message: string) {
    super(`dead-letter entry ${id}: ${message}`);
    this.name = 'DlqEntryError';
    this.id = id;
  }
}
