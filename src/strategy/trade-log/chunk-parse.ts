import { DEFAULT_FIELDS, type TradeFields } from '../evaluate/evaluation-options.js';
import { IssueReport, type IssueSummary } from './issue-report.js';
import { isAscii } from 'node:buffer';
import { ByteLine, ByteLineParser, UNSURE } from './byte-line-parser.js';
import { readLineBlocks } from './line-reader.js';
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
  /** Span slot size (bytes, see `ChunkResult.spans`). Default `SPAN_BYTES`. */
  readonly spanBytes?: number;
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
  /**
   * Where the kept trades are in the file, flat: [start, end, min ts, max ts] per span, in file
   * order. A span runs from the start of the first line with a kept trade to the
   * end of the last one, among the lines that start in one slot (the lines from the first line
   * start at or after a multiple of `spanBytes` to the next such line start); a span also ends
   * before the first future-stamped line and before an unterminated last line. So the spans of a
   * log do not depend on how it was cut into pieces, but for a slot cut by a piece's start, whose
   * two spans the cursor joins. The incremental cursor keeps them to read the trades of one
   * bucket again from the log itself (cursor-run.ts).
   */
  readonly spans: number[];
}

/** Span slots are this long (see `ChunkResult.spans`). */
export const SPAN_BYTES = 256 << 10;

const RECORD = 4;
/** Lines of a piece that go to the exact parser first (it collects the field names they have). */
const EXACT_FIRST = 20;

/** Record arrays whose piece was replayed, for the next pieces parsed on this thread. */
const spareTrades: Float64Array[] = [];
/** At most this many are kept (the threads parse at most a few pieces ahead of the replay). */
const MAX_SPARE_TRADES = 8;

/**
 * Gives back a piece's record array once nothing reads it any more (after its replay): the
 * next piece parsed on this thread fills it instead of a new one (about 1 MB, zeroed, per
 * piece otherwise, and the collections they cause).
 */
export function recycleTrades(a: Float64Array): void {
  if (spareTrades.length < MAX_SPARE_TRADES && a.buffer.byteLength > 0) spareTrades.push(a);
}

/** The growing record array of a piece's trades in the window. */
class Trades {
  a: Float64Array;
  count = 0;

  /**
   * Room for about as many trades as `bytes` of seed-format lines hold (it grows if need be): a
   * recycled array when one is long enough, else a new one.
   */
  constructor(bytes: number) {
    const n = Number.isFinite(bytes) ? Math.ceil(bytes / 64) : 4096;
    const want = RECORD * Math.min(Math.max(n, 1024), 1 << 20);
    const spare = spareTrades.pop();
    this.a = spare !== undefined && spare.length >= want ? spare : new Float64Array(want);
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
  readonly spanBytes: number;
  readonly spans: number[] = [];
  /** A line starting at or after this begins the next slot. */
  spanCut: number;
  /** The first kept trade of the open span. */
  spanFrom = 0;
  /** The open span's first line start and last line end (file offsets). */
  spanStart = 0;
  spanEnd = 0;

  constructor(job: ChunkJob) {
    this.parser = new TradeLineParser(job.fields, job.groupBy, job.format);
    this.parser.maxTs = job.maxTs;
    this.fast = byteParserFor(job).forPiece(job.maxTs);
    this.sum = this.issues.summary;
    this.cutoff = job.cutoff;
    this.trades = new Trades(job.end - job.start);
    const bytes = job.spanBytes ?? SPAN_BYTES;
    if (!(bytes >= 1)) throw new RangeError(`spanBytes must be >= 1 (got ${bytes})`);
    this.spanBytes = bytes;
    this.spanCut = (Math.floor(job.start / bytes) + 1) * bytes;
  }

  /** Ends the open span (when it holds a kept trade): its bytes and the range of its times. */
  closeSpan(): void {
    const to = this.trades.count;
    const from = this.spanFrom;
    if (to === from) return;
    const t = this.trades.a;
    let lo = Infinity;
    let hi = -Infinity;
    for (let j = from * RECORD + 1; j < to * RECORD; j += RECORD) {
      const ts = t[j] as number;
      if (ts < lo) lo = ts;
      if (ts > hi) hi = ts;
    }
    this.spans.push(this.spanStart, this.spanEnd, lo, hi);
    this.spanFrom = to;
  }

  /** A line starting at `offset` begins a new slot: the open span ends. */
  nextSlot(offset: number): void {
    this.closeSpan();
    this.spanCut = (Math.floor(offset / this.spanBytes) + 1) * this.spanBytes;
  }

  /** The trade just kept is on the line [start, end) (file offsets). */
  kept(start: number, end: number): void {
    if (this.trades.count - 1 === this.spanFrom) this.spanStart = start;
    this.spanEnd = end;
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

  /** One line through the exact parser; its bytes are [offset, end) of the file, newline excluded. */
  exact(s: string, a: number, b: number, lineNo: number, offset: number, end: number): LineResult {
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
      this.kept(offset, end + 1);
    } else if (r === LineResult.Unresolved) sum.unresolved++;
    else if (r === LineResult.Blank) sum.blank++;
    else {
      if (this.future === undefined && parser.issue === 'future_timestamp') {
        this.closeSpan();
        this.future = this.mark(offset, lineNo - 1);
      }
      this.issues.add(parser.issue, parser.issueField, lineNo, s, a, b);
    }
    return r;
  }

  /** A JSON line the byte parser is unsure of: decoded and read by the exact parser. */
  slow(buf: Buffer, a: number, e: number, lineNo: number, offset: number): void {
    this.exactLines++;
    const s = buf.toString('utf8', a, e);
    if (this.exact(s, 0, s.length, lineNo, offset, offset + (e - a)) !== LineResult.Blank) this.exactLeft--;
  }

  /**
   * A block of whole lines read by the exact parser alone (CSV, or JSON lines `readAs: 'text'`),
   * each decoded by itself; a CSV header line (the first non-blank one, when the piece has
   * none yet) goes to `header`. Returns the number of its last line.
   */
  textBlock(
    buf: Buffer,
    len: number,
    base: number,
    lineNo: number,
    isTail: boolean,
    header: (line: string, lineNo: number) => void,
  ): number {
    if (isTail) this.closeSpan(); // the cursor stops before an unterminated line: no span holds it
    let a = 0;
    while (a < len) {
      const nl = isTail ? -1 : buf.indexOf(10, a);
      const e = nl < 0 || nl >= len ? len : nl;
      lineNo++;
      const offset = base + a;
      if (!isTail && offset >= this.spanCut) this.nextSlot(offset);
      const s = buf.toString('utf8', a, e);
      if (!this.parser.ready) header(s, lineNo);
      else {
        this.exactLines++;
        this.exact(s, 0, s.length, lineNo, offset, offset + (e - a));
      }
      a = e + 1;
    }
    return lineNo;
  }

  /** A block of whole JSON lines (see `BlockHandler`); returns the number of its last line. */
  jsonBlock(buf: Buffer, len: number, base: number, lineNo: number, isTail: boolean): number {
    if (isTail) {
      this.closeSpan(); // the cursor stops before an unterminated line: no span holds it
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
    let cut = this.spanCut - base; // the next slot's first line starts at or after this
    let a = 0;
    while (a < len) {
      lineNo++;
      if (a >= cut) {
        this.nextSlot(base + a);
        cut = this.spanCut - base;
      }
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
          this.kept(base + a, base + e + 1);
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
    spanBytes: 1 << 12, // so that the lines that begin a span's slot are among those primed
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
    const header = (line: string, lineNo: number): void => {
      if (line.trim() === '') return;
      const missing = parser.header(line, 0, line.length);
      csvHeader = line;
      if (missing.length > 0)
        throw new TradeLogError(
          `${job.path}:${lineNo}: the CSV header lacks column(s) ${missing.join(', ')}; it has ${parser.foundFields().join(', ')} (set strategy.fields / strategy.groupBy in the config, or --group-by)`,
        );
    };
    res = readLineBlocks(
      job.path,
      job.start,
      0,
      (buf, len, base, lineNo, isTail) => p.textBlock(buf, len, base, lineNo, isTail, header),
      onTail,
      onOversized,
      job.maxLineBytes,
      job.end,
    );
  }
  p.closeSpan();
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
    spans: p.spans,
  };
}
