import { describe, expect, it } from 'vitest';
import { toCsv } from '../../server/shared/csv';

describe('toCsv', () => {
  it('quotes commas, quotes and newlines, and leaves plain cells alone', () => {
    expect(
      toCsv(
        ['a', 'b'],
        [
          ['plain', 'with, comma'],
          ['say "hi"', 'two\nlines'],
          [null, 3],
        ],
      ),
    ).toBe('a,b\r\nplain,"with, comma"\r\n"say ""hi""","two\nlines"\r\n,3\r\n');
  });

  it.each(['=HYPERLINK("http://x")', '+1+1', '-2', '@SUM(A1)', '\tx'])('defuses a formula-like cell %j', (value) => {
    const out = toCsv(['v'], [[value]]);
    expect(out.split('\r\n')[1]?.replace(/^"/, '')).toMatch(/^'/);
  });
});
