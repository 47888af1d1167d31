import { DEFAULT_FIELDS, type TradeFields } from '../evaluate/evaluation-options.js';
import { IssueReport, type IssueSummary } from './issue-report.js';
import { isAscii } from 'node:buffer';
import { ByteLine, ByteLineParser, UNSURE } from './byte-line-parser.js';
import { readLineBlocks, readLines } from './line-reader.js';
import { LineResult, TradeLineParser } from './trade-line-parser.js';
import { TradeLogError } from './trade-log-error.js';

/** One piece of a trade log to parse: the lines that start in `[start, end)`. */
export interface ChunkJob {
  readonly path: string;
  /** The start of a line. */
  readonly start: number;
  /** The start of a line, or the end of what is read. */
  readonly end: number;
  readonly format: 'jsonl' | 'csv';
  readonly fields: TradeFields;
  readonly groupBy: string;
  /** The CSV header, when this piece does not begin the log. */
  readonly csvHeader?: string;
  /** A trade stamped after this (ms) is a `future_timestamp` bad line. */
  readonly maxTs: number;
  /** Trades before this (ms) are only counted, not kept. */
  readonly cutoff: number;
  readonly maxLineBytes?: number;
  /**
   * `text`: decode JSON lines and parse each with `TradeLineParser` alone, as before the byte
   * parser (tests compare the two). Default `bytes`.
   */
  readonly readAs?: 'bytes' | 'text';
}

/** A point in a piece where a cursor may stop: the counts of the lines before it. */
export interface ChunkMark {
  /** Trades kept before the line. */
  readonly at: number;
  /** Byte offset of the line in the file. */
  readonly offset: number;
  /** Lines of the piece before it. */
  readonly line: number;
  readonly issues: IssueSummary;
  readonly beforeWindow: number;
}

/** What a piece of the log holds, in file order; line numbers count from its start. */
export interface ChunkResult {
  /** `count` trades in the window: [group index, ts, pnl × size, entry × size] each. */
  readonly trades: Float64Array;
  readonly count: number;
  /** Group names by index. */
  readonly groups: string[];
  readonly issues: IssueSummary;
  /** Resolved trades before the window. */
  readonly beforeWindow: number;
  readonly endOffset: number;
  readonly endLine: number;
  readonly tailBytes: number;
  readonly bytesRead: number;
  /** The first `future_timestamp` line. */
  readonly future?: ChunkMark;
  /** An unterminated last line. */
  readonly tail?: ChunkMark;
  readonly csvHeader?: string;
  readonly missingFields: string[];
  readonly foundFields: string[];
  /** Lines decoded and read by the exact parser (the rest the byte parser read). */
  readonly exactLines: number;
}

const RECORD = 4;
/** Lines of a piece that go to the exact parser first (it collects the field names they have). */
const EXACT_FIRST = 20;

/** The growing record array of a piece's trades in the window. */
class Trades {
  a: Float64Array;
  count = 0;

  /** Room for about as many trades as `bytes` of seed-format lines hold (it grows if need be). */
  constructor(bytes: number) {
    const n = Number.isFinite(bytes) ? Math.ceil(bytes / 64) : 4096;
    this.a = new Float64Array(RECORD * Math.min(Math.max(n, 1024), 1 << 20));
  }

  push(gid: number, ts: number, pnl: number, cost: number): void {
    let a = this.a;
    const k = this.count * RECORD;
    if (k === a.length) {
      const bigger = new Float64Array(a.length * 2);
      bigger.set(a);
      this.a = a = bigger;
    }
    a[k] = gid;
    a[k + 1] = ts;
    a[k + 2] = pnl;
    a[k + 3] = cost;
    this.count++;
  }
}

/** This thread's byte parser, kept from piece to piece while the field names stay the same. */
let lastByteParser: ByteLineParser | undefined;

function byteParserFor(job: ChunkJob): ByteLineParser {
  if (lastByteParser === undefined || !lastByteParser.reads(job.fields, job.groupBy))
    lastByteParser = new ByteLineParser(job.fields, job.groupBy);
  return lastByteParser;
}

/**
 * The state of one piece's parse, and its per-line work as methods: the hot loop's calls then
 * have one target whatever the piece (closures made per piece would each be a new call target
 * for the optimised code, which V8 then throws away and compiles again).
 */
class PieceParse {
  readonly parser: TradeLineParser;
  readonly fast: ByteLineParser;
  readonly issues = new IssueReport();
  readonly sum: IssueSummary;
  readonly cutoff: number;
  readonly trades: Trades;
  lastGroup = '';
  lastId = -1;
  beforeWindow = 0;
  future: ChunkMark | undefined = undefined;
  tail: ChunkMark | undefined = undefined;
  exactLines = 0;
  /** Non-blank lines still to go to the exact parser first (it collects their field names). */
  exactLeft = EXACT_FIRST;

  constructor(job: ChunkJob) {
    this.parser = new TradeLineParser(job.fields, job.groupBy, job.format);
    this.parser.maxTs = job.maxTs;
    this.fast = byteParserFor(job).forPiece(job.maxTs);
    this.sum = this.issues.summary;
    this.cutoff = job.cutoff;
    this.trades = new Trades(job.end - job.start);
  }

  mark(offset: number, line: number): ChunkMark {
    return {
      at: this.trades.count,
      offset,
      line,
      issues: structuredClone(this.sum),
      beforeWindow: this.beforeWindow,
    };
  }

  /**
   * One line through the exact parser; it starts at file offset `offset`, or, when `offsetOf`
   * is given, at `offsetOf(a)` (worked out only if needed).
   */
  exact(
    s: string,
    a: number,
    b: number,
    lineNo: number,
    offset: number,
    offsetOf?: (a: number) => number,
  ): LineResult {
    const parser = this.parser;
    const sum = this.sum;
    const r = parser.parse(s, a, b);
    if (r === LineResult.Trade) {
      sum.resolved++;
      const ts = parser.ts;
      if (!(ts >= this.cutoff)) {
        this.beforeWindow++;
        return r;
      }
      const g = parser.group;
      if (g !== this.lastGroup || this.lastId < 0) {
        this.lastId = this.fast.idOf(g);
        this.lastGroup = g;
      }
      const size = parser.size;
      this.trades.push(this.lastId, ts, parser.pnl * size, parser.entry * size);
    } else if (r === LineResult.Unresolved) sum.unresolved++;
    else if (r === LineResult.Blank) sum.blank++;
    else {
      if (this.future === undefined && parser.issue === 'future_timestamp')
        this.future = this.mark(offsetOf !== undefined ? offsetOf(a) : offset, lineNo - 1);
      this.issues.add(parser.issue, parser.issueField, lineNo, s, a, b);
    }
    return r;
  }

  /** A JSON line the byte parser is unsure of: decoded and read by the exact parser. */
  slow(buf: Buffer, a: number, e: number, lineNo: number, offset: number): void {
    this.exactLines++;
    const s = buf.toString('utf8', a, e);
    if (this.exact(s, 0, s.length, lineNo, offset) !== LineResult.Blank) this.exactLeft--;
  }

  /** A block of whole JSON lines (see `BlockHandler`); returns the number of its last line. */
  jsonBlock(buf: Buffer, len: number, base: number, lineNo: number, isTail: boolean): number {
    if (isTail) {
      this.slow(buf, 0, len, lineNo + 1, base);
      return lineNo + 1;
    }
    // Whether the block is all ASCII, and where its next backslash is: native searches, so
    // the byte parser need not look at every byte of a line.
    const block = buf.subarray(0, len);
    const ascii = isAscii(block);
    let bs = block.indexOf(92);
    if (bs < 0) bs = len;
    const fast = this.fast;
    const view = ByteLineParser.viewOf(block);
    const sum = this.sum;
    const cutoff = this.cutoff;
    const trades = this.trades;
    let a = 0;
    while (a < len) {
      lineNo++;
      let e = this.exactLeft > 0 ? UNSURE : fast.scan(block, a, view);
      if (e !== UNSURE) {
        if (bs < a) {
          bs = block.indexOf(92, a);
          if (bs < 0) bs = len;
        }
        if (bs < e || (!ascii && !isAscii(block.subarray(a, e)))) e = UNSURE;
      }
      if (e === UNSURE) {
        e = block.indexOf(10, a);
        this.slow(buf, a, e, lineNo, base + a);
      } else if (fast.kind === ByteLine.Trade) {
        sum.resolved++;
        const ts = fast.ts;
        if (ts >= cutoff) {
          const size = fast.size;
          trades.push(fast.groupId(block), ts, fast.pnl * size, fast.entry * size);
        } else this.beforeWindow++;
      } else if (fast.kind === ByteLine.Unresolved) sum.unresolved++;
      else sum.blank++;
      a = e + 1;
    }
    return lineNo;
  }
}

/** Seed-format lines made in memory for `primeParser`: groups, outcomes, numbers and days vary. */
function primingLines(): Buffer {
  const out: string[] = [];
  for (let i = 0; i < 500; i++) {
    const ts = new Date(Date.UTC(2026, 0, 1 + (i >> 8), i % 24, i % 60, i % 60, i % 1000)).toISOString();
    const resolved = i % 20 === 0 ? 'null' : i % 2 === 0 ? '"YES"' : '"NO"';
    const pnl = i % 7 === 0 ? (i % 100) / 3 : (i % 2 === 0 ? 1 : -1) * (i % 90);
    out.push(
      `{"ts":"${ts}","sport":"P${i % 5}","resolved":${resolved},"pnl_c":${pnl},"size":${1 + (i % 20)},"entry_price_c":${10 + (i % 80)}}`,
    );
  }
  return Buffer.from(`${out.join('\n')}\n`, 'latin1');
}

let priming: Buffer | undefined;

/**
 * Runs this thread's byte parser over seed-format lines made in memory (default field names), so
 * V8 has compiled its paths before a real piece comes: a pool worker does this while it waits for
 * its pieces, and the pool's own thread before it parses one. Reads no file; what it parses is
 * dropped (the thread's parser keeps only its key guesses, which are checked byte for byte on
 * every line).
 */
export function primeParser(): void {
  priming ??= primingLines();
  const job: ChunkJob = {
    path: '',
    start: 0,
    end: priming.length,
    format: 'jsonl',
    fields: DEFAULT_FIELDS,
    groupBy: 'sport',
    maxTs: Infinity,
    cutoff: 0,
  };
  new PieceParse(job).jsonBlock(priming, priming.length, 0, 0, false);
}

/**
 * Parses the lines of one piece of a trade log into trades, counts and bad lines, without
 * touching any shared state: the pieces of one log can be parsed on several threads and replayed
 * in file order (see `trade-log-scanner.ts`), which gives what one pass would. JSON lines are
 * read as bytes by `ByteLineParser`; a line it is not sure of (and the first lines of the piece,
 * whose field names are collected) is decoded and parsed by `TradeLineParser`, so the figures,
 * counts and bad-line reports are those of `TradeLineParser` alone. CSV is decoded a block at a
 * time and parsed by `TradeLineParser`.
 */
export function parseChunk(job: ChunkJob): ChunkResult {
  const p = new PieceParse(job);
  const parser = p.parser;
  let csvHeader = job.csvHeader;
  if (csvHeader !== undefined) parser.header(csvHeader, 0, csvHeader.length);
  const onTail = (offset: number, line: number): void => {
    p.tail = p.mark(offset, line);
  };
  const onOversized = (lineNo: number, bytes: number): void => p.issues.addOversized(lineNo, bytes);
  let res;
  if (job.format === 'jsonl' && job.readAs !== 'text') {
    res = readLineBlocks(
      job.path,
      job.start,
      0,
      (buf, len, base, lineNo, isTail) => p.jsonBlock(buf, len, base, lineNo, isTail),
      onTail,
      onOversized,
      job.maxLineBytes,
      job.end,
    );
  } else {
    res = readLines(
      job.path,
      job.start,
      0,
      (s, a, b, lineNo, offsetOf) => {
        if (!parser.ready) {
          if (s.slice(a, b).trim() === '') return;
          const missing = parser.header(s, a, b);
          csvHeader = s.slice(a, b);
          if (missing.length > 0)
            throw new TradeLogError(
              `${job.path}:${lineNo}: the CSV header lacks column(s) ${missing.join(', ')}; it has ${parser.foundFields().join(', ')} (set strategy.fields / strategy.groupBy in the config, or --group-by)`,
            );
          return;
        }
        p.exactLines++;
        p.exact(s, a, b, lineNo, 0, offsetOf);
      },
      onTail,
      onOversized,
      job.maxLineBytes,
      job.end,
    );
  }
  const fast = p.fast;
  return {
    trades: p.trades.a,
    count: p.trades.count,
    groups: fast.groups,
    issues: p.sum,
    beforeWindow: p.beforeWindow,
    endOffset: res.endOffset,
    endLine: res.endLine,
    tailBytes: res.tailBytes,
    bytesRead: res.bytesRead,
    ...(p.future !== undefined ? { future: p.future } : {}),
    ...(p.tail !== undefined ? { tail: p.tail } : {}),
    ...(csvHeader !== undefined ? { csvHeader } : {}),
    missingFields: parser.missingFields(fast.seenMask),
    foundFields: parser.foundFields(),
    exactLines: p.exactLines,
  };
}
