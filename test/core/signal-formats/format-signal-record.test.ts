import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SafeguardError } from '../../../src/core/errors.js';
import {
  formatSignalRecord,
  formatSignalText,
  signalFileHeader,
} from '../../../src/core/signal-formats/format-signal-record.js';
import { normalizeSignal } from '../../../src/core/signal-formats/normalize-signal.js';
import { parseSignalText } from '../../../src/core/signal-formats/parse-signal-text.js';
import {
  signalMetadataKeys,
  signalTypes,
  type Signal,
  type SignalType,
} from '../../../src/core/signal-formats/signal.js';
import { signalWriteFormats } from '../../../src/core/signal-formats/signal-file-format.js';

const PDQ = 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22';
const MD5 = 'd41d8cd98f00b204e9800998ecf8427e';

const hex = (length: number): fc.Arbitrary<string> =>
  fc.stringMatching(new RegExp(`^[0-9a-fA-F]{${length}}$`));

const valueArb: Record<SignalType, fc.Arbitrary<string>> = {
  pdq: hex(64),
  md5: hex(32),
  sha256: hex(64),
  photodna: fc.oneof(
    hex(288),
    fc
      .array(fc.integer({ min: 0, max: 255 }), { minLength: 144, maxLength: 144 })
      .map((b) => b.join(',')),
  ),
  vpdq: fc
    .array(
      fc.tuple(
        hex(64),
        fc.integer({ min: 0, max: 100 }),
        fc.double({ min: 0, max: 1e7, noNaN: true }),
      ),
      { minLength: 1, maxLength: 5 },
    )
    .map((frames) => JSON.stringify(frames.map(([h, q, t]) => `${h},${q},${t}`))),
  url: fc.oneof(
    fc.webUrl({ withQueryParameters: true, withFragments: true }),
    fc.string({ unit: 'grapheme', minLength: 1 }),
  ),
};

const textArb = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
);

const metadataArb = fc.option(
  fc.record(
    Object.fromEntries(signalMetadataKeys.map((key) => [key, textArb])) as Record<
      (typeof signalMetadataKeys)[number],
      fc.Arbitrary<string>
    >,
    { requiredKeys: [] },
  ),
  { nil: undefined },
);

const signalArb: fc.Arbitrary<Signal> = fc
  .constantFrom(...signalTypes)
  .chain((type) =>
    fc.record({ type: fc.constant(type), value: valueArb[type], metadata: metadataArb }),
  )
  .map(({ type, value, metadata }) =>
    metadata === undefined ? { type, value } : { type, value, metadata },
  );

/** Valid signals, in any form the writers accept, with the normal form the parsers must give. */
const validSignalsArb = fc.array(signalArb, { maxLength: 20 }).map((signals) =>
  signals.flatMap((signal) => {
    const normal = normalizeSignal(signal);
    return normal.ok ? [{ input: signal, normal: normal.value }] : [];
  }),
);

describe('signal writers', () => {
  it.each(signalWriteFormats)('round-trip any valid signals through %s', (format) => {
    fc.assert(
      fc.property(validSignalsArb, (pairs) => {
        const text = formatSignalText(
          pairs.map((pair) => pair.input),
          format,
        );
        const parsed = parseSignalText(text, format);
        if (!parsed.ok)
          throw new Error(`line ${parsed.issue.line}: ${parsed.issue.reason}\n${text}`);
        const expected = pairs.map(({ normal }) =>
          // The local file holds no metadata.
          format === 'threatexchange' ? { type: normal.type, value: normal.value } : normal,
        );
        expect(parsed.value.map((entry) => entry.signal)).toEqual(expected);
        expect(parsed.value.map((entry) => entry.line)).toEqual(
          pairs.map((_, i) => i + (signalFileHeader(format) === undefined ? 1 : 2)),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('writes the header and records of each format', () => {
    const signal: Signal = {
      type: 'md5',
      value: MD5.toUpperCase(),
      metadata: { category: 'A1', source: 'Partner, Inc', note: 'said "no"' },
    };
    expect(formatSignalText([signal], 'csv')).toBe(
      `type,value,category,source,source_id,note\nmd5,${MD5},A1,"Partner, Inc",,"said ""no"""\n`,
    );
    expect(formatSignalText([signal], 'tsv')).toBe(
      `type\tvalue\tcategory\tsource\tsource_id\tnote\nmd5\t${MD5}\tA1\tPartner, Inc\t\tsaid "no"\n`,
    );
    expect(formatSignalText([signal], 'jsonl')).toBe(
      `{"type":"md5","value":"${MD5}","category":"A1","source":"Partner, Inc","note":"said \\"no\\""}\n`,
    );
    expect(formatSignalText([signal, { type: 'pdq', value: PDQ }], 'threatexchange')).toBe(
      `video_md5 ${MD5}\npdq ${PDQ}\n`,
    );
    expect(formatSignalRecord('threatexchange', { type: 'sha256', value: PDQ })).toBe(
      `video_sha256 ${PDQ}`,
    );
  });

  it('accepts a stored signal whose metadata is null', () => {
    expect(formatSignalRecord('jsonl', { type: 'pdq', value: PDQ, metadata: null })).toBe(
      `{"type":"pdq","value":"${PDQ}"}`,
    );
  });

  it('throws invalid_argument for a signal that is not valid', () => {
    const write = (): string => formatSignalRecord('csv', { type: 'pdq', value: MD5 });
    expect(write).toThrow(SafeguardError);
    expect(write).toThrow('cannot write signal: pdq value has 32 characters, expected 64');
    expect(() =>
      formatSignalRecord('csv', { type: 'md5', value: MD5, metadata: { note: 'two\nlines' } }),
    ).toThrow('cannot write signal: note has a forbidden character (U+000A) at character 4');
  });
});
