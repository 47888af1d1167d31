// Copies the files tsc does not emit from src/ to dist/: the SQL migrations and the dashboard's
// page, script and stylesheet (src/daemon/dashboard/).
import { cpSync, readdirSync, statSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.sql') || p.startsWith(join('src', 'daemon', 'dashboard'))) {
      const to = join('dist', p.slice('src/'.length));
      mkdirSync(dirname(to), { recursive: true });
      cpSync(p, to);
    }
  }
}
walk('src');
