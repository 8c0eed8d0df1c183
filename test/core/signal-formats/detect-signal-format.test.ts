import { describe, expect, it } from 'vitest';
import { detectSignalFormat } from '../../../src/core/signal-formats/detect-signal-format.js';

const PDQ = 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22';

describe('detectSignalFormat', () => {
  it.each([
    ['hashes.csv', `type,value`, 'csv'],
    ['hashes.CSV', PDQ, 'csv'],
    [
      '/data/export.csv',
      'signal_type,signal_str,collab,category,tags',
      'threatexchange-dataset-csv',
    ],
    [
      'export.csv',
      '\uFEFFsignal_type,signal_str,collab,category,tags',
      'threatexchange-dataset-csv',
    ],
    ['hashes.tsv', 'type\tvalue', 'tsv'],
    ['hashes.tab', PDQ, 'tsv'],
    ['hashes.jsonl', '{"type":"pdq"}', 'jsonl'],
    ['hashes.ndjson', '{"type":"pdq"}', 'jsonl'],
    ['signals.txt', `pdq ${PDQ}`, 'threatexchange'],
    ['signals', `video_md5 d41d8cd98f00b204e9800998ecf8427e`, 'threatexchange'],
    ['signals.txt', `vpdq ["${PDQ},100,0"]`, 'threatexchange'],
    ['signals.txt', PDQ, 'csv'],
    ['signals.txt', `type,value`, 'csv'],
    ['signals.txt', `type\tvalue`, 'tsv'],
    ['signals.txt', '{"type":"pdq"}', 'jsonl'],
    ['signals.txt', 'signal_type,signal_str,collab,category,tags', 'threatexchange-dataset-csv'],
    ['C:\\exports\\list.v2.csv', PDQ, 'csv'],
    ['.csv', PDQ, 'csv'],
  ])('%s starting %j is %s', (fileName, firstLine, format) => {
    expect(detectSignalFormat(fileName, firstLine)).toEqual({ ok: true, value: format });
  });

  it('refuses JSON documents, which are not line formats', () => {
    expect(detectSignalFormat('bank.json', '{')).toEqual({
      ok: false,
      reason:
        "'bank.json' is a JSON file: signal files are JSON Lines (.jsonl), one object per line",
    });
  });

  it('refuses legacy ThreatExchange .te cache files', () => {
    expect(detectSignalFormat('simple.HASH_PDQ.te', 'f8f8,1,2020-07-31T18:47:45+0000,')).toEqual({
      ok: false,
      reason:
        "'simple.HASH_PDQ.te' is a legacy ThreatExchange cache file (.te), which is not supported: export the signals with `threatexchange dataset -P -S` instead",
    });
  });

  it('needs a line when the name does not tell', () => {
    expect(detectSignalFormat('/tmp/signals.txt', '  ')).toEqual({
      ok: false,
      reason: "cannot tell the format of 'signals.txt': it has no data",
    });
    expect(detectSignalFormat('signals.csv', '')).toEqual({ ok: true, value: 'csv' });
  });
});
