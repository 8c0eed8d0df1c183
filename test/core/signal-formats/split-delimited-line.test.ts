import { describe, expect, it } from 'vitest';
import {
  splitCsvLine,
  splitTsvLine,
} from '../../../src/core/signal-formats/split-delimited-line.js';

const texts = (line: string): string[] => {
  const result = splitCsvLine(line);
  if (!result.ok) throw new Error(result.reason);
  return result.value.map((field) => field.text);
};

describe('splitCsvLine', () => {
  it('splits plain fields, keeping empty ones', () => {
    expect(texts('a,b,,c,')).toEqual(['a', 'b', '', 'c', '']);
    expect(texts('single')).toEqual(['single']);
  });

  it('reads quoted fields with commas and doubled quotes (RFC 4180)', () => {
    expect(texts('"a,b","say ""hi""",""')).toEqual(['a,b', 'say "hi"', '']);
    expect(texts('x, "quoted" ,y')).toEqual(['x', 'quoted', 'y']);
    expect(texts('ab"c,d')).toEqual(['ab"c', 'd']);
  });

  it('gives the column where each field starts', () => {
    const result = splitCsvLine('ab,"cd",e');
    expect(result.ok && result.value.map((field) => field.column)).toEqual([1, 5, 9]);
  });

  it('refuses a quoted field left open at the end of the line', () => {
    expect(splitCsvLine('a,"b,c')).toEqual({
      ok: false,
      reason:
        'the quoted field at column 3 is not closed on this line (a field spanning lines is not supported)',
      offset: 2,
    });
  });

  it('refuses text after a closing quote', () => {
    expect(splitCsvLine('"a"b,c')).toEqual({
      ok: false,
      reason: "'b' at column 4 follows a closing quote; expected a comma or the end of the line",
      offset: 3,
    });
  });
});

describe('splitTsvLine', () => {
  it('splits on tabs and keeps quotes as text', () => {
    expect(splitTsvLine('a\t"b"\t\tc').map((field) => field.text)).toEqual(['a', '"b"', '', 'c']);
    expect(splitTsvLine('a\tbc\td').map((field) => field.column)).toEqual([1, 3, 6]);
  });
});
