import { describe, expect, it } from 'vitest';
import type { ParseIssue } from '../../../src/core/signal-formats/parse-result.js';
import { parseSignalText } from '../../../src/core/signal-formats/parse-signal-text.js';
import type { Signal } from '../../../src/core/signal-formats/signal.js';
import type { SignalParserOptions } from '../../../src/core/signal-formats/signal-line-parser.js';

const PDQ = 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22';
const MD5 = 'd41d8cd98f00b204e9800998ecf8427e';
const SHA = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

function signals(
  text: string,
  format: 'csv' | 'tsv' = 'csv',
  options: SignalParserOptions = {},
): Signal[] {
  const result = parseSignalText(text, format, options);
  if (!result.ok) throw new Error(`line ${result.issue.line}: ${result.issue.reason}`);
  return result.value.map((parsed) => parsed.signal);
}

function issue(
  text: string,
  format: 'csv' | 'tsv' = 'csv',
  options: SignalParserOptions = {},
): ParseIssue {
  const result = parseSignalText(text, format, options);
  if (result.ok) throw new Error('expected an issue');
  return result.issue;
}

describe('csv: one bare value per line', () => {
  it('types values with the default type', () => {
    expect(signals(`${PDQ}\n${PDQ.toUpperCase()}\n`, 'csv', { defaultType: 'pdq' })).toEqual([
      { type: 'pdq', value: PDQ },
      { type: 'pdq', value: PDQ },
    ]);
  });

  it('infers md5 from 32 hex digits, and refuses to guess between pdq and sha256', () => {
    expect(signals(`${MD5}\n`)).toEqual([{ type: 'md5', value: MD5 }]);
    expect(issue(`${MD5}\n${SHA}\n`)).toEqual({
      line: 2,
      column: 1,
      reason:
        '64 hex digits may be a pdq or a sha256 value: name the type (a type or pdq/sha256 column, a type field) or give a default type',
    });
  });

  it('skips blank lines and # comments, and counts them in line numbers', () => {
    const text = `# exported 2025-01-01\n\n   \n${MD5}\n  # indented comment\n${MD5.slice(1)}\n`;
    expect(issue(text)).toEqual({
      line: 6,
      column: 1,
      reason:
        'cannot tell the signal type of this value (31 characters): name the type or give a default type',
    });
    expect(issue(text, 'csv', { defaultType: 'md5' })).toEqual({
      line: 6,
      column: 1,
      reason: 'md5 value has 31 characters, expected 32',
    });
  });

  it('accepts a quoted bare value', () => {
    expect(signals(`"${MD5}"\n`)).toEqual([{ type: 'md5', value: MD5 }]);
  });

  it('refuses a second field when there is no header', () => {
    expect(issue(`${MD5}\n${MD5},A1\n`)).toEqual({
      line: 2,
      column: 33,
      reason: '2 fields, but this file has one value per line and no header row',
    });
  });

  it('refuses a first line of several fields that is not a header', () => {
    expect(issue(`${MD5},A1\n`)).toMatchObject({
      line: 1,
      column: 1,
      reason: expect.stringContaining(`unknown column '${MD5}'`) as string,
    });
  });
});

describe('csv with a header row', () => {
  it('reads type, value and metadata columns', () => {
    const text = [
      'Type,Value,Category,Source,Source_ID,Note',
      `pdq,${PDQ},A1,ncmec,"123",`,
      `MD5, ${MD5.toUpperCase()} ,B2,,,"hand-checked, ""twice"""`,
      `video_sha256,${SHA},,,,`,
    ].join('\n');
    expect(signals(text)).toEqual([
      { type: 'pdq', value: PDQ, metadata: { category: 'A1', source: 'ncmec', sourceId: '123' } },
      { type: 'md5', value: MD5, metadata: { category: 'B2', note: 'hand-checked, "twice"' } },
      { type: 'sha256', value: SHA },
    ]);
  });

  it('accepts the aliases signal_type, hash and signal', () => {
    expect(signals(`signal_type,hash\nmd5,${MD5}\n`)).toEqual([{ type: 'md5', value: MD5 }]);
    expect(signals(`signal\n${MD5}\n`)).toEqual([{ type: 'md5', value: MD5 }]);
  });

  it('reads columns named after a type, one signal per filled cell, sharing the metadata', () => {
    const text = `md5,sha256,pdq,category\n${MD5},${SHA},,A2\n,${SHA},${PDQ},\n`;
    expect(signals(text)).toEqual([
      { type: 'md5', value: MD5, metadata: { category: 'A2' } },
      { type: 'sha256', value: SHA, metadata: { category: 'A2' } },
      { type: 'sha256', value: SHA },
      { type: 'pdq', value: PDQ },
    ]);
  });

  it('uses the default type, then the value, when the type cell is empty or absent', () => {
    expect(signals(`type,value\n,${PDQ}\n`, 'csv', { defaultType: 'pdq' })).toEqual([
      { type: 'pdq', value: PDQ },
    ]);
    expect(signals(`value,note\n${MD5},x\n`)).toEqual([
      { type: 'md5', value: MD5, metadata: { note: 'x' } },
    ]);
  });

  it.each([
    [
      `type,value\nfoo,${MD5}\n`,
      {
        line: 2,
        column: 1,
        reason: "unknown signal type 'foo' (expected pdq, md5, sha256, vpdq, photodna, url)",
      },
    ],
    [
      `type,value\nurl_md5,${MD5}\n`,
      {
        line: 2,
        column: 1,
        reason:
          "signal type 'url_md5' (python-threatexchange) is not supported: Safeguard stores URLs, not MD5s of URLs",
      },
    ],
    [
      `type,value\npdq,${PDQ.slice(1)}\n`,
      { line: 2, column: 5, reason: 'pdq value has 63 characters, expected 64' },
    ],
    [
      `type,value\nmd5,${MD5.slice(0, 5)}z${MD5.slice(6)}\n`,
      { line: 2, column: 10, reason: "md5 value has 'z' at character 6, which is not a hex digit" },
    ],
    [
      `type,value\npdq,\n`,
      { line: 2, column: 5, reason: 'the type is given but the value is empty' },
    ],
    [`type,value,note\n,,x\n`, { line: 2, reason: 'no signal value on this line' }],
    [`type,value\npdq,${PDQ},x\n`, { line: 2, reason: '3 fields, expected 2 as in the header' }],
    [
      `value,note\n${MD5},"a\tb"\n`,
      { line: 2, column: 36, reason: 'note has a forbidden character (U+0009) at character 2' },
    ],
    [
      `value,note\n${MD5},"open\n`,
      {
        line: 2,
        column: 34,
        reason:
          'the quoted field at column 34 is not closed on this line (a field spanning lines is not supported)',
      },
    ],
    [
      `type,value,colour\n`,
      {
        line: 1,
        column: 12,
        reason: expect.stringContaining(
          "unknown column 'colour' (expected type, value (or hash, signal), category",
        ) as string,
      },
    ],
    [`value,hash\n`, { line: 1, column: 7, reason: "column 'hash' repeats column 'value'" }],
    [`type,,value\n`, { line: 1, column: 6, reason: 'column 2 of the header has no name' }],
    [
      `type,note\n`,
      {
        line: 1,
        column: 1,
        reason:
          'the header names no value column (value, hash or signal) and no signal type column (pdq, md5, sha256, vpdq, photodna, url)',
      },
    ],
    [
      `category,note\n`,
      {
        line: 1,
        column: 1,
        reason: expect.stringContaining('the header names no value column') as string,
      },
    ],
  ])('reports %j as %j', (text, expected) => {
    expect(issue(text)).toEqual(expected);
  });

  it('refuses a type column without a value column', () => {
    expect(issue('type,md5\n')).toEqual({
      line: 1,
      column: 1,
      reason: 'the header has a type column but no value column',
    });
  });
});

describe('tsv', () => {
  it('reads the same shapes with tabs and no quoting', () => {
    const text = `type\tvalue\tnote\npdq\t${PDQ}\tsays "hi", twice\n`;
    expect(signals(text, 'tsv')).toEqual([
      { type: 'pdq', value: PDQ, metadata: { note: 'says "hi", twice' } },
    ]);
    expect(signals(`${MD5}\n`, 'tsv')).toEqual([{ type: 'md5', value: MD5 }]);
  });

  it('reports columns in characters', () => {
    expect(issue(`type\tvalue\nmd5\t${MD5}x\n`, 'tsv')).toEqual({
      line: 2,
      column: 37,
      reason: "md5 value has 'x' at character 33, which is not a hex digit",
    });
  });
});
