import { describe, expect, it } from 'vitest';
import { normalizeSignalValue } from '../../../src/core/signal-formats/normalize-signal-value.js';
import { normalizeSignal } from '../../../src/core/signal-formats/normalize-signal.js';

const PDQ = 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22';
const MD5 = 'd41d8cd98f00b204e9800998ecf8427e';

describe('normalizeSignalValue', () => {
  it('folds hex to lower case and drops surrounding whitespace', () => {
    expect(normalizeSignalValue('pdq', `  ${PDQ.toUpperCase()}\t`)).toEqual({
      ok: true,
      value: PDQ,
    });
    expect(normalizeSignalValue('md5', MD5.toUpperCase())).toEqual({ ok: true, value: MD5 });
    expect(normalizeSignalValue('sha256', PDQ)).toEqual({ ok: true, value: PDQ });
  });

  it('names the length of a hex value of the wrong size', () => {
    expect(normalizeSignalValue('pdq', PDQ.slice(1))).toEqual({
      ok: false,
      reason: 'pdq value has 63 characters, expected 64',
    });
    expect(normalizeSignalValue('md5', PDQ)).toEqual({
      ok: false,
      reason: 'md5 value has 64 characters, expected 32',
    });
  });

  it('names the first character that is not a hex digit, and where it is', () => {
    expect(normalizeSignalValue('md5', `  d41g${MD5.slice(4)}`)).toEqual({
      ok: false,
      reason: "md5 value has 'g' at character 4, which is not a hex digit",
      offset: 5,
    });
    expect(normalizeSignalValue('pdq', `0x${PDQ.slice(2)}`)).toMatchObject({
      reason: "pdq value has 'x' at character 2, which is not a hex digit",
    });
    expect(normalizeSignalValue('md5', `${MD5.slice(0, 10)} ${MD5.slice(11)}`)).toMatchObject({
      reason: 'md5 value has U+0020 at character 11, which is not a hex digit',
    });
  });

  it('refuses an empty value', () => {
    expect(normalizeSignalValue('sha256', '   ')).toEqual({
      ok: false,
      reason: 'sha256 value is empty',
    });
  });

  it('reads PhotoDNA as 288 hex digits or 144 numbers, and writes hex', () => {
    const bytes = Array.from({ length: 144 }, (_, i) => (i * 37) % 256);
    const hex = bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
    expect(normalizeSignalValue('photodna', hex.toUpperCase())).toEqual({ ok: true, value: hex });
    expect(normalizeSignalValue('photodna', bytes.join(','))).toEqual({ ok: true, value: hex });
    expect(normalizeSignalValue('photodna', bytes.slice(1).join(','))).toMatchObject({
      reason: 'photodna value has 143 numbers, expected 144',
    });
    expect(normalizeSignalValue('photodna', [256, ...bytes.slice(1)].join(','))).toMatchObject({
      reason: "photodna value has '256' as number 1, expected 0 to 255",
    });
    expect(normalizeSignalValue('photodna', hex.slice(2))).toMatchObject({
      reason: 'photodna value has 286 characters, expected 288',
    });
  });

  it('keeps a URL exactly, but refuses whitespace and control characters inside it', () => {
    const url = 'https://Example.com/A?b=1#c';
    expect(normalizeSignalValue('url', ` ${url} `)).toEqual({ ok: true, value: url });
    expect(normalizeSignalValue('url', 'https://example.com/a b')).toEqual({
      ok: false,
      reason: 'url value has whitespace (U+0020) at character 22',
      offset: 21,
    });
    expect(normalizeSignalValue('url', 'https://example.com/\u0000')).toMatchObject({
      reason: 'url value has a forbidden character (U+0000) at character 21',
    });
  });

  it("reads vPDQ in python-threatexchange's JSON form and normalizes it", () => {
    const raw = `["${PDQ.toUpperCase()},100,0.0", "${PDQ},49,1.23e+02"]`;
    expect(normalizeSignalValue('vpdq', raw)).toEqual({
      ok: true,
      value: JSON.stringify([`${PDQ},100,0`, `${PDQ},49,123`]),
    });
  });

  it.each([
    [
      'not JSON',
      `${PDQ},100,0`,
      'vpdq value must be a JSON array of "pdq,quality,timestamp" strings',
    ],
    ['bad JSON', '["a",', 'vpdq value is not valid JSON'],
    ['no frames', '[]', 'vpdq value has no frames'],
    ['a number', '[1]', 'vpdq frame 1 is not a string'],
    ['two parts', `["${PDQ},100"]`, 'vpdq frame 1 has 2 parts, expected 3'],
    ['short pdq', `["${PDQ.slice(1)},100,0"]`, 'vpdq frame 1: pdq has 63 characters, expected 64'],
    ['quality', `["${PDQ},101,0"]`, "vpdq frame 1: quality '101' is not an integer from 0 to 100"],
    [
      'timestamp',
      `["${PDQ},50,-1"]`,
      "vpdq frame 1: timestamp '-1' is not a number of seconds >= 0",
    ],
  ])('refuses a vPDQ value: %s', (_, raw, reason) => {
    const result = normalizeSignalValue('vpdq', raw);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toContain(reason);
  });

  it('refuses a value longer than the bank allows, counting UTF-8 bytes', () => {
    const url = `https://example.com/${'é'.repeat(20)}`;
    expect(normalizeSignalValue('url', url, 60)).toEqual({ ok: true, value: url });
    expect(normalizeSignalValue('url', url, 59)).toEqual({
      ok: false,
      reason: 'url value has 60 bytes, more than the 59 allowed',
    });
  });
});

describe('normalizeSignal', () => {
  it('trims metadata, drops empty fields and an empty metadata object', () => {
    expect(
      normalizeSignal({ type: 'md5', value: MD5, metadata: { category: ' A1 ', note: '  ' } }),
    ).toEqual({ ok: true, value: { type: 'md5', value: MD5, metadata: { category: 'A1' } } });
    expect(normalizeSignal({ type: 'md5', value: MD5, metadata: { note: '' } })).toEqual({
      ok: true,
      value: { type: 'md5', value: MD5 },
    });
    expect(normalizeSignal({ type: 'md5', value: MD5, metadata: null })).toEqual({
      ok: true,
      value: { type: 'md5', value: MD5 },
    });
  });

  it('refuses metadata that cannot sit on one line of every format', () => {
    expect(normalizeSignal({ type: 'md5', value: MD5, metadata: { note: 'a\nb' } })).toMatchObject({
      reason: 'note has a forbidden character (U+000A) at character 2',
    });
    expect(
      normalizeSignal({ type: 'md5', value: MD5, metadata: { source: 'a\uFFFD' } }),
    ).toMatchObject({
      reason: 'source has a forbidden character (U+FFFD) at character 2',
    });
    expect(
      normalizeSignal({ type: 'md5', value: MD5, metadata: { source: 'a\uD800b' } }),
    ).toMatchObject({
      reason: 'source has a forbidden character (U+D800) at character 2',
    });
    expect(
      normalizeSignal({ type: 'md5', value: MD5, metadata: { source: 'ok \u{1F600}' } }).ok,
    ).toBe(true);
  });

  it('refuses an unknown type', () => {
    expect(normalizeSignal({ type: 'sha1' as 'md5', value: MD5 })).toEqual({
      ok: false,
      reason: "unknown signal type 'sha1'",
    });
  });
});
