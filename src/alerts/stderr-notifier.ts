import type { AlertMessage, Notifier, SendOutcome } from './types.js';

/** Writes one line per alert to stderr (or an injected writer): the channel that is always there. */
export class StderrNotifier implements Notifier {
  readonly type = 'stderr' as const;
  readonly name: string;
  readonly problem = null;
  readonly #write: (line: string) => void;

  constructor(options: { name?: string; write?: (line: string) => void } = {}) {
    this.name = options.name ?? 'stderr';
    this.#write = options.write ?? ((line) => void process.stderr.write(line));
  }

  /** The line written for `m` (one line: newlines in the body become ` | `). */
  static line(m: AlertMessage): string {
    const body = m.body.trim().replace(/\r?\n+/g, ' | ');
    const iso = new Date(m.at).toISOString();
    return `${iso} warden alert [${m.severity}] ${m.title.replace(/\r?\n+/g, ' ')}${body === '' ? '' : `: ${body}`} (key ${m.key})\n`;
  }

  send(m: AlertMessage): Promise<SendOutcome> {
    try {
      this.#write(StderrNotifier.line(m));
      return Promise.resolve({ kind: 'sent' });
    } catch (err) {
      return Promise.resolve({ kind: 'retry', error: `stderr write failed: ${String(err)}` });
    }
  }
}
