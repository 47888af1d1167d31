import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_FIELDS } from '../evaluate/evaluation-options.js';
import { LineResult, TradeLineParser } from './trade-line-parser.js';

function parse(p: TradeLineParser, s: string): LineResult {
  return p.parse(s, 0, s.length);
}

describe('TradeLineParser (JSON lines)', () => {
  const p = new TradeLineParser(DEFAULT_FIELDS, 'sport', 'jsonl');

  it('reads a flat line in place, with any spacing and key order', () => {
    assert.equal(
      parse(
        p,
        ' { "size" : 3 , "entry_price_c":40,"pnl_c":-40, "sport":"NHL","resolved":"NO","ts":"2026-05-01T00:00:00Z" } ',
      ),
      LineResult.Trade,
    );
    assert.deepEqual(
      [p.group, p.ts, p.pnl, p.size, p.entry],
      ['NHL', Date.parse('2026-05-01T00:00:00Z'), -40, 3, 40],
    );
  });

  it('lets JSON.parse decide on what the fast path does not cover', () => {
    assert.equal(
      parse(
        p,
        '{"ts":"2026-05-01T00:00:00Z","sport":"N\\u0048L","resolved":1,"pnl_c":1,"size":1,"entry_price_c":1}',
      ),
      LineResult.Trade,
    );
    assert.equal(p.group, 'NHL');
    assert.equal(
      parse(
        p,
        '{"ts":"2026-05-01T00:00:00Z","sport":"A","resolved":1,"pnl_c":1,"size":1,"entry_price_c":1}x',
      ),
      LineResult.Issue,
    );
    assert.equal(p.issue, 'malformed');
    assert.equal(parse(p, '{"ts":"2026-05-01T00:00:00Z" "sport":"A"}'), LineResult.Issue);
    assert.equal(parse(p, '   '), LineResult.Blank);
  });

  it('takes the last of duplicate keys, as JSON.parse does', () => {
    assert.equal(
      parse(
        p,
        '{"ts":"2026-05-01T00:00:00Z","sport":"A","resolved":1,"pnl_c":1,"pnl_c":7,"size":1,"entry_price_c":1}',
      ),
      LineResult.Trade,
    );
    assert.equal(p.pnl, 7);
  });
});

describe('TradeLineParser (CSV)', () => {
  it('reads quoted cells, CRLF endings and empty cells as null', () => {
    const p = new TradeLineParser(DEFAULT_FIELDS, 'sport', 'csv');
    const h = 'ts,sport,resolved,pnl_c,size,entry_price_c\r';
    assert.deepEqual(p.header(h, 0, h.length), []);
    assert.equal(parse(p, '2026-05-01T00:00:00Z,"NBA, East",YES,5,2,50\r'), LineResult.Trade);
    assert.deepEqual([p.group, p.pnl, p.size, p.entry], ['NBA, East', 5, 2, 50]);
    assert.equal(parse(p, '2026-05-01T00:00:00Z,NBA,,5,2,50'), LineResult.Unresolved);
    assert.equal(parse(p, '2026-05-01T00:00:00Z,NBA,YES,five,2,50'), LineResult.Issue);
    assert.deepEqual([p.issue, p.issueField], ['non_numeric', 'pnl_c']);
    assert.equal(parse(p, '2026-05-01T00:00:00Z,NBA,YES,5,2'), LineResult.Issue);
    assert.equal(p.issue, 'malformed');
    assert.equal(parse(p, '2026-05-01T00:00:00Z,,YES,5,2,50'), LineResult.Issue);
    assert.deepEqual([p.issue, p.issueField], ['missing_field', 'sport']);
  });
});
