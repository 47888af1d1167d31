/** One generated unit file or plist: its file name and its full text. */
export interface UnitFile {
  readonly name: string;
  readonly content: string;
}

/** What a generator produced: the files, and warnings the operator must read (time zones...). */
export interface GeneratedUnits {
  readonly kind: 'systemd' | 'launchd';
  readonly files: readonly UnitFile[];
  readonly warnings: readonly string[];
  /** Shell commands that install and enable the files, given the folder they were written to. */
  enableCommands(dir: string): string[];
}
