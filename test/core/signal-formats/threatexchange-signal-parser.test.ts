import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSignalText } from '../../../src/core/signal-formats/parse-signal-text.js';
import type { ParseIssue } from '../../../src/core/signal-formats/parse-result.js';
import type { Signal } from '../../../src/core/signal-formats/signal.js';
import type { SignalParserOptions } from '../../../src/core/signal-formats/signal-line-parser.js';

const fixture = (path: string): string =>
  readFileSync(new URL(`../../fixtures/threatexchange-hma/${path}`, import.meta.url), 'utf8');

const PDQ = 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22';
const MD5 = 'd41d8cd98f00b204e9800998ecf8427e';

function signals(text: string, options: SignalParserOptions = {}): Signal[] {
  const result = parseSignalText(text, 'threatexchange', options);
  if (!result.ok) throw new Error(`line ${result.issue.line}: ${result.issue.reason}`);
  return result.value.map((parsed) => parsed.signal);
}

function issue(text: string, options: SignalParserOptions = {}): ParseIssue {
  const result = parseSignalText(text, 'threatexchange', options);
  if (result.ok) throw new Error('expected an issue');
  return result.issue;
}

describe('threatexchange local file', () => {
  it("reads the typed example up to its raw_text line, which Safeguard can't hold", () => {
    const text = fixture('local-file/signals-typed.txt');
    expect(issue(text)).toEqual({
      line: 8,
      column: 1,
      reason:
        "signal type 'raw_text' (python-threatexchange) is not supported: Safeguard banks hold no text signals",
    });
    const supported = text.split('\n').slice(0, 7).join('\n');
    expect(signals(supported)).toEqual([
      { type: 'pdq', value: PDQ },
      { type: 'pdq', value: 'f8f8f0cee0f4a84f06370a2a038f63f0b36e26d596621e1d33e6b39c4e9c9b22' },
      { type: 'pdq', value: 'f8f8f0cee0f4a84f0637022a038f67f0b36e26d596621e1d33e6b39c4e9c9b22' },
      { type: 'pdq', value: 'f8f8f0cee0f4a84f06370a2a068f67f0b36e26d596621e1d33e6339c4e9c9b22' },
      { type: 'md5', value: 'cab08b36195edb1a1231d2d09fa450e0' },
      { type: 'md5', value: MD5 },
      {
        type: 'url',
        value: 'https://developers.facebook.com/docs/threat-exchange/reference/apis/',
      },
    ]);
  });

  it('reads the untyped example with the collaboration signal type as the default', () => {
    const config = JSON.parse(fixture('local-file/collab-config.local_file.json')) as {
      signal_type: 'pdq';
    };
    const read = signals(fixture('local-file/signals-untyped-pdq.txt'), {
      defaultType: config.signal_type,
    });
    expect(read).toHaveLength(4);
    expect(read[0]).toEqual({
      type: 'pdq',
      value: 'e64cc9d91c623882f8d1f1d9a398e78c9f199b3bd83924f2b7e11e0bf861b064',
    });
  });

  it('reads the `dataset -P -S` output, the same line format', () => {
    const lines = fixture('dataset-csv/sample-signals.print-signals-only.txt').split('\n');
    expect(signals(lines.slice(0, 16).join('\n'))).toHaveLength(16);
    expect(issue(lines.join('\n')).line).toBe(17);
  });

  it("strips lines, skips blank and '#' lines, and accepts Safeguard's type names", () => {
    const text = `\n# partner list\n  pdq ${PDQ.toUpperCase()}  \nmd5 ${MD5}\nvideo_sha256 ${PDQ}\n`;
    expect(signals(text)).toEqual([
      { type: 'pdq', value: PDQ },
      { type: 'md5', value: MD5 },
      { type: 'sha256', value: PDQ },
    ]);
  });

  it('reads a vPDQ signal whose JSON holds spaces: only the first space splits', () => {
    const text = `vpdq ["${PDQ},100,0.0", "${PDQ},90,1.0"]\n`;
    expect(signals(text)).toEqual([
      { type: 'vpdq', value: JSON.stringify([`${PDQ},100,0`, `${PDQ},90,1`]) },
    ]);
  });

  it.each([
    [
      `foo ${MD5}`,
      {
        line: 1,
        column: 1,
        reason:
          "unknown signal type 'foo' (expected pdq, video_md5, photo_md5, video_sha256, vpdq, photodna, url)",
      },
    ],
    [
      `url_md5 ${MD5}`,
      {
        line: 1,
        column: 1,
        reason:
          "signal type 'url_md5' (python-threatexchange) is not supported: Safeguard stores URLs, not MD5s of URLs",
      },
    ],
    [
      `pdq ${PDQ.slice(1)}`,
      { line: 1, column: 5, reason: 'pdq value has 63 characters, expected 64' },
    ],
    [
      `video_md5 ${MD5}!`,
      {
        line: 1,
        column: 43,
        reason: "md5 value has '!' at character 33, which is not a hex digit",
      },
    ],
    [
      MD5,
      {
        line: 1,
        column: 1,
        reason:
          "expected '<signal_type> <signal>' but the line has no space (a file of bare signals needs a default type)",
      },
    ],
  ])('reports %s', (line, expected) => {
    expect(issue(`${line}\n`)).toEqual(expected);
  });

  it('reads a whole line as the value when a default type is given', () => {
    expect(issue(`pdq ${PDQ}\n`, { defaultType: 'pdq' })).toEqual({
      line: 1,
      column: 1,
      reason: "pdq value has 'p' at character 1, which is not a hex digit",
    });
  });
});

describe('threatexchange dataset CSV', () => {
  it('reads the example up to its raw_text row, with CRLF line ends', () => {
    const text = fixture('dataset-csv/sample-signals.dataset.csv');
    const result = parseSignalText(text, 'threatexchange-dataset-csv');
    expect(result).toEqual({
      ok: false,
      issue: {
        line: 18,
        column: 1,
        reason:
          "signal type 'raw_text' (python-threatexchange) is not supported: Safeguard banks hold no text signals",
      },
    });
  });

  it('maps collab to source and the opinion and tags to the note', () => {
    const text = fixture('dataset-csv/sample-signals.dataset.csv');
    const supportedTypes = ['signal_type', 'pdq', 'video_md5', 'video_sha256', 'url'];
    const supported = text
      .split('\r\n')
      .filter((row) => supportedTypes.includes(row.split(',')[0]))
      .join('\r\n');
    const result = parseSignalText(supported, 'threatexchange-dataset-csv');
    if (!result.ok) throw new Error(result.issue.reason);
    expect(result.value[0]).toEqual({
      line: 2,
      signal: {
        type: 'pdq',
        value: PDQ,
        metadata: { source: 'Sample Signals', note: 'INVESTIGATION_SEED' },
      },
    });
    const counts = new Map<string, number>();
    for (const { signal } of result.value)
      counts.set(signal.type, (counts.get(signal.type) ?? 0) + 1);
    expect(Object.fromEntries(counts)).toEqual({ pdq: 16, md5: 2, sha256: 2, url: 1 });
  });

  it('reads quoted fields and tags', () => {
    const text = `signal_type,signal_str,collab,category,tags\r\nvideo_md5,${MD5},"Partner, Inc",POSITIVE_CLASS,A1 csam\r\n`;
    const result = parseSignalText(text, 'threatexchange-dataset-csv');
    expect(result).toEqual({
      ok: true,
      value: [
        {
          line: 2,
          signal: {
            type: 'md5',
            value: MD5,
            metadata: { source: 'Partner, Inc', note: 'POSITIVE_CLASS; tags: A1 csam' },
          },
        },
      ],
    });
  });

  it.each([
    [
      'signal_type,signal_str,owner\r\n',
      {
        line: 1,
        column: 24,
        reason:
          "unknown column 'owner' in a threatexchange dataset CSV (expected signal_type, signal_str, collab, category, tags)",
      },
    ],
    [
      'signal_type,signal_type\r\n',
      { line: 1, column: 13, reason: "column 'signal_type' appears twice" },
    ],
    ['signal_type,collab\r\n', { line: 1, reason: "the header has no 'signal_str' column" }],
    [
      `signal_type,signal_str\r\nvideo_md5,${MD5},x\r\n`,
      { line: 2, reason: '3 fields, expected 2 as in the header' },
    ],
    [
      `signal_type,signal_str\r\nmd5,${MD5}\r\n`,
      {
        line: 2,
        column: 1,
        reason:
          "unknown signal type 'md5' (expected pdq, video_md5, photo_md5, video_sha256, vpdq, photodna, url)",
      },
    ],
  ])('reports %j', (text, expected) => {
    expect(parseSignalText(text, 'threatexchange-dataset-csv')).toEqual({
      ok: false,
      issue: expected,
    });
  });
});
