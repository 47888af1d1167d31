// The `warden` command. The hot-path commands (guard, check, heartbeat, status, evaluate) run without
// commander (hot-path.ts); everything else, and every help text and argument error, is the
// commander program (program.ts), loaded only then.
import { prestartEvaluateWorkers } from './evaluate-prestart.js';
import { runHotPath } from './hot-path.js';

/** Runs the CLI: every failure is one line on stderr and a non-zero exit code. */
export async function main(argv: string[]): Promise<number> {
  await prestartEvaluateWorkers(argv);
  const code = await runHotPath(argv);
  if (code !== undefined) return code;
  const { runProgram } = await import('./program.js');
  return runProgram(argv);
}

const isMain =
  process.argv[1] !== undefined && /(?:^|[\\/])(?:main\.(?:ts|js)|warden(?:\.js)?)$/.test(process.argv[1]);
if (isMain) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`warden: ${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
