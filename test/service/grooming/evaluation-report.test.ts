import { describe, expect, it } from 'vitest';
import {
  buildReport,
  bestThresholdUnderLimits,
} from '../../../src/service/grooming/evaluation-report.js';
import { firstAlert, evaluationWindow } from '../../../src/service/grooming/replay.js';
import { foldOf, cleanTrainingText } from '../../../src/service/grooming/training-examples.js';
import { createRandom } from '../../../src/core/grooming/random.js';

const replay = (...r: number[]) => ({ runningRisk: Float64Array.from(r) });

describe('evaluation report', () => {
  const input = {
    conversations: [
      { slice: 'grooming-decoy', label: 1 as const, authors: 2, replay: replay(0.1, 0.5, 0.9) },
      { slice: 'chatroom-teens', label: 0 as const, authors: 5, replay: replay(0.2, 0.3) },
      { slice: 'chatroom-teens', label: 0 as const, authors: 5, replay: replay(0.2, 0.95) },
    ],
    authors: [
      { slice: 'grooming-decoy', role: 'offender', label: 1 as const, score: 0.9 },
      { slice: 'grooming-decoy', role: 'decoy', label: 0 as const, score: 0.2 },
    ],
    positiveChats: [replay(0.1, 0.2, 0.3, 0.9)],
    messagesPerSecond: 1000,
  };

  it('has exactly the documented shape and counts alerts by first crossing', () => {
    const r = buildReport(input, 0.8);
    expect(Object.keys(r).sort()).toEqual([
      'authors',
      'conversations',
      'earliness',
      'slices',
      'throughput',
    ]);
    expect(Object.keys(r.conversations).sort()).toEqual([
      'f05',
      'f1',
      'f2',
      'n',
      'prAuc',
      'precision',
      'recall',
    ]);
    expect(r.conversations.precision).toBe(0.5);
    expect(r.slices['chatroom-teens']).toEqual({ n: 2, falsePositiveRate: 0.5 });
    expect(r.slices['authors/grooming-decoy/decoy']).toEqual({ n: 1, falsePositiveRate: 0 });
    expect(r.earliness.medianMessagesToAlert).toBe(4);
    expect(r.earliness.medianFractionOfChat).toBe(1);
    expect(firstAlert(replay(0.1, 0.5, 0.9), 0.5)).toBe(1);
    expect(firstAlert(replay(), 0.5)).toBe(-1);
  });

  it('chooses a threshold that keeps hard slices clean when one exists', () => {
    const t = bestThresholdUnderLimits(input);
    expect(t).toBeGreaterThan(0.2);
  });
});

describe('training helpers', () => {
  it('cuts PJ-side records to one window of a drawn length and keeps others whole', () => {
    const record = {
      id: 'r',
      source: 's',
      label: 1 as const,
      role: 'offender',
      chat: 'c',
      slice: 's',
      group: 'g',
      messages: ['a', 'b', 'c', 'd', 'e'],
    };
    expect(evaluationWindow(record, [2], createRandom(1))).toHaveLength(2);
    expect(evaluationWindow({ ...record, role: 'other' }, [2], createRandom(1))).toHaveLength(5);
    // Longer windows for `train --window-scales`: a multiple of the drawn length, or the record.
    expect(evaluationWindow(record, [2], createRandom(1), 2)).toHaveLength(4);
    expect(evaluationWindow(record, [2], createRandom(1), 10)).toEqual(record.messages);
    expect(evaluationWindow(record, [2], createRandom(1), Infinity)).toEqual(record.messages);
    expect(evaluationWindow({ ...record, role: 'other' }, [2], createRandom(1), 2)).toHaveLength(5);
  });

  it('keeps a group in one fold and strips transcript edit marks', () => {
    expect(foldOf('room-a', 5)).toBe(foldOf('room-a', 5));
    expect(cleanTrainingText('hello **EDIT NAME** there')).toBe('hello   there');
    expect(cleanTrainingText('   ')).toBeNull();
  });
});
