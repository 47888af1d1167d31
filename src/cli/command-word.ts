/** Global options that take a value (declared on every command), so their value is not the command. */
export const VALUE_OPTIONS: ReadonlySet<string> = new Set(['--config', '--data-dir']);

/** The index of the command word in `argv` (user arguments): the first word that is not an option or its value. */
export function commandIndex(argv: readonly string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return -1;
    if (VALUE_OPTIONS.has(a)) i++;
    else if (!a.startsWith('-')) return i;
  }
  return -1;
}

/** The command word of `argv` (user arguments): the first one that is not an option or its value. */
export function commandWord(argv: readonly string[]): string | undefined {
  const i = commandIndex(argv);
  return i < 0 ? undefined : argv[i];
}
