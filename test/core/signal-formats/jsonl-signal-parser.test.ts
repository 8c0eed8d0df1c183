import { describe, expect, it } from 'vitest';
import { parseSignalText } from '../../../src/core/signal-formats/parse-signal-text.js';
import type { ParseIssue } from '../../../src/core/signal-formats/parse-result.js';
import type { Signal } from '../../../src/core/signal-formats/signal.js';
import type { SignalParserOptions } from '../../../src/core/signal-formats/signal-line-parser.js';

const PDQ = 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22';
const MD5 = 'd41d8cd98f00b204e9800998ecf8427e';

function signals(text: string, options: SignalParserOptions = {}): Signal[] {
  const result = parseSignalText(text, 'jsonl', options);
  if (!result.ok) throw new Error(`line ${result.issue.line}: ${result.issue.reason}`);
  return result.value.map((parsed) => parsed.signal);
}

function issue(text: string, options: SignalParserOptions = {}): ParseIssue {
  const result = parseSignalText(text, 'jsonl', options);
  if (result.ok) throw new Error('expected an issue');
  return result.issue;
}

describe('jsonl', () => {
  it('reads flat and nested metadata, null meaning absent', () => {
    const text = [
      JSON.stringify({ type: 'pdq', value: PDQ.toUpperCase(), category: 'A1', sourceId: '7' }),
      '',
      JSON.stringify({ type: 'md5', value: MD5, metadata: { source: 'iwf', note: null } }),
      JSON.stringify({ type: 'url', value: 'https://example.com/x', note: null, metadata: null }),
    ].join('\n');
    expect(signals(text)).toEqual([
      { type: 'pdq', value: PDQ, metadata: { category: 'A1', sourceId: '7' } },
      { type: 'md5', value: MD5, metadata: { source: 'iwf' } },
      { type: 'url', value: 'https://example.com/x' },
    ]);
  });

  it('falls back to the default type, then to the value, without a type', () => {
    expect(signals(`{"value":"${PDQ}"}`, { defaultType: 'pdq' })).toEqual([
      { type: 'pdq', value: PDQ },
    ]);
    expect(signals(`{"value":"${MD5}"}`)).toEqual([{ type: 'md5', value: MD5 }]);
  });

  it.each([
    ['{"type":"pdq",', 'invalid JSON: '],
    ['# a comment', 'invalid JSON: '],
    ['[1,2]', 'expected a JSON object, found an array'],
    ['"pdq"', 'expected a JSON object, found a string'],
    ['null', 'expected a JSON object, found null'],
    [
      `{"type":"pdq","value":"${PDQ}","id":3}`,
      "unknown field 'id' (expected type, value, category, source, sourceId, note, metadata)",
    ],
    [
      `{"type":"pdq","value":"${PDQ}","metadata":{"tags":[]}}`,
      "unknown field 'metadata.tags' (expected category, source, sourceId, note)",
    ],
    [
      `{"type":"pdq","value":"${PDQ}","metadata":"x"}`,
      "field 'metadata' must be an object, found a string",
    ],
    [
      `{"type":"pdq","value":"${PDQ}","note":"a","metadata":{"note":"b"}}`,
      "field 'note' is given both at the top level and in 'metadata'",
    ],
    [
      `{"type":"pdq","value":"${PDQ}","metadata":{"note":5}}`,
      "field 'metadata.note' must be a string, found a number",
    ],
    [
      `{"type":"pdq","value":"${PDQ}","category":"A\\u0000"}`,
      'category has a forbidden character (U+0000) at character 2',
    ],
    ['{"type":"pdq"}', "field 'value' is missing"],
    ['{"type":"pdq","value":7}', "field 'value' must be a string, found a number"],
    [`{"type":1,"value":"${PDQ}"}`, "field 'type' must be a string, found a number"],
    [
      `{"type":"foo","value":"${PDQ}"}`,
      "unknown signal type 'foo' (expected pdq, md5, sha256, vpdq, photodna, url)",
    ],
    [`{"type":"pdq","value":"${PDQ}0"}`, 'pdq value has 65 characters, expected 64'],
  ])('reports %s', (line, reason) => {
    const found = issue(`{"type":"md5","value":"${MD5}"}\n\n${line}\n`);
    expect(found.line).toBe(3);
    expect(found.reason.startsWith(reason)).toBe(true);
  });
});
