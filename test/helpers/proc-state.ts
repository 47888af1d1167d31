import { readFileSync } from 'node:fs';

/** A process's state letter from /proc/PID/stat (`T`: stopped, as after SIGSTOP). */
export function procState(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const end = stat.lastIndexOf(')');
  return stat.slice(end + 2, end + 3);
}
