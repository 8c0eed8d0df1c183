import { describe, expect, it } from 'vitest';
import { parseSignalText } from '../../../src/core/signal-formats/parse-signal-text.js';
import { signalFileFormats } from '../../../src/core/signal-formats/signal-file-format.js';

const MD5 = 'd41d8cd98f00b204e9800998ecf8427e';
const MD5B = '0cc175b9c0f1b6a831c399e269772661';

describe('parseSignalText line handling', () => {
  const expected = [
    { line: 2, signal: { type: 'md5', value: MD5 } },
    { line: 3, signal: { type: 'md5', value: MD5B } },
  ];

  it.each([
    ['LF', `value\n${MD5}\n${MD5B}\n`],
    ['CRLF', `value\r\n${MD5}\r\n${MD5B}\r\n`],
    ['CR', `value\r${MD5}\r${MD5B}\r`],
    ['no final line break', `value\n${MD5}\n${MD5B}`],
    ['a UTF-8 byte order mark', `\uFEFFvalue\r\n${MD5}\r\n${MD5B}`],
  ])('reads %s', (_, text) => {
    expect(parseSignalText(text, 'csv')).toEqual({ ok: true, value: expected });
  });

  it.each(signalFileFormats)('refuses text that was not UTF-8 in %s', (format) => {
    expect(parseSignalText(`\n\nabc\uFFFDdef\n`, format)).toEqual({
      ok: false,
      issue: { line: 3, column: 4, reason: 'line is not valid UTF-8 (U+FFFD at character 4)' },
    });
  });

  it('reads an empty file as no signals', () => {
    for (const format of signalFileFormats) {
      expect(parseSignalText('', format)).toEqual({ ok: true, value: [] });
    }
  });
});
