// A parser for the Prometheus text exposition format (version 0.0.4), strict enough to fail on
// what Prometheus would refuse: every sample belongs to a metric announced by # TYPE, values
// are numbers, label values are quoted and escaped.

/** One sample: metric name, labels, value. */
export interface PromSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** A parsed scrape: the samples and each metric family's type. */
export interface PromScrape {
  readonly samples: PromSample[];
  readonly types: ReadonlyMap<string, string>;
  /** The value of the one sample matching `name` and `labels` (undefined when none). */
  value(name: string, labels?: Record<string, string>): number | undefined;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+-?\d+)?$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)/y;

/** Parses exposition text; throws on the first malformed line, naming it. */
export function parsePromText(text: string): PromScrape {
  const samples: PromSample[] = [];
  const types = new Map<string, string>();
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (line === '') return;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*)(?: (.*))?$/.exec(line);
      if (!m) throw new Error(`line ${i + 1}: bad comment: ${line}`);
      if (m[1] === 'TYPE') {
        if (!/^(counter|gauge|histogram|summary|untyped)$/.test(m[3] ?? ''))
          throw new Error(`line ${i + 1}: bad type: ${line}`);
        types.set(m[2]!, m[3]!);
      }
      return;
    }
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`line ${i + 1}: not a sample: ${line}`);
    const name = m[1]!;
    const family = [...types.keys()].find(
      (f) => name === f || (/_(bucket|sum|count|total|created)$/.test(name) && name.startsWith(f)),
    );
    if (family === undefined) throw new Error(`line ${i + 1}: ${name} has no # TYPE`);
    const labels: Record<string, string> = {};
    const body = m[3] ?? '';
    LABEL.lastIndex = 0;
    while (LABEL.lastIndex < body.length) {
      const at = LABEL.lastIndex;
      const l = LABEL.exec(body);
      if (!l || l.index !== at) throw new Error(`line ${i + 1}: bad labels: ${line}`);
      labels[l[1]!] = l[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    }
    const raw = m[4]!;
    const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : raw === 'NaN' ? NaN : Number(raw);
    if (Number.isNaN(value) && raw !== 'NaN') throw new Error(`line ${i + 1}: bad value: ${line}`);
    samples.push({ name, labels, value });
  });
  return {
    samples,
    types,
    value(name, want = {}) {
      const hits = samples.filter(
        (s) =>
          s.name === name &&
          Object.keys(want).length === Object.keys(s.labels).length &&
          Object.entries(want).every(([k, v]) => s.labels[k] === v),
      );
      if (hits.length > 1) throw new Error(`${name} ${JSON.stringify(want)}: ${hits.length} samples`);
      return hits[0]?.value;
    },
  };
}
