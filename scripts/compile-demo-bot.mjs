// Compiles the demo bot for the package: examples/demo-bot.ts (the readable example the README
// links, and the only source of the bot) becomes dist/examples/demo-bot.js, so `warden demo` runs
// from an installed package, which ships neither examples/ nor tsx. The bot's one import of the
// library, '../src/index.js', becomes '../index.js' (dist/index.js, what `import 'warden'` loads).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const from = join('examples', 'demo-bot.ts');
const to = join('dist', 'examples', 'demo-bot.js');
const source = readFileSync(from, 'utf8');
const imports = [...source.matchAll(/from '(\.[^']*)'/g)].map((m) => m[1]);
if (imports.length !== 1 || imports[0] !== '../src/index.js') {
  process.stderr.write(
    `${from}: the demo bot must import the library only from '../src/index.js' (found ${JSON.stringify(imports)})\n`,
  );
  process.exit(1);
}
const out = ts.transpileModule(source.replace("from '../src/index.js'", "from '../index.js'"), {
  fileName: 'demo-bot.ts',
  compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, sourceMap: false },
  reportDiagnostics: true,
});
if (out.diagnostics?.length) {
  process.stderr.write(ts.formatDiagnostics(out.diagnostics, ts.createCompilerHost({})));
  process.exit(1);
}
mkdirSync(join('dist', 'examples'), { recursive: true });
writeFileSync(
  to,
  `// compiled from ${from} by scripts/compile-demo-bot.mjs: edit that file, not this one\n${out.outputText}`,
);
