/** `warden audit export` could not export (target not empty, not a directory...). */
export class AuditExportError extends Error {
  readonly code = 'E_AUDIT_EXPORT';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AuditExportError';
  }
}
