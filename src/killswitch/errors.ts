/** Resume was refused: it needs a reason and a person's name. */
export class ResumeRefusedError extends Error {
  readonly code = 'E_RESUME_REFUSED';
  constructor(message: string) {
    super(message);
    this.name = 'ResumeRefusedError';
  }
}
