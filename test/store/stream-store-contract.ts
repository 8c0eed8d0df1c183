import { describe, expect, it } from 'vitest';
import type { NewStream, StreamMatch } from '../../src/service/ports/stream-store.js';
import { expectSafeguardError, useStore } from './store-fixture.js';
import type { DatabaseKind } from './test-databases.js';

function newStream(n: number, overrides: Partial<NewStream> = {}): NewStream {
  return {
    id: `str_${String(n).padStart(4, '0')}`,
    url: `https://live.example/${n}.m3u8`,
    callbackUrl: 'https://platform.example/hooks',
    sampleFps: 2,
    contentId: `live-${n}`,
    keyId: 'k1',
    status: 'starting',
    createdAt: new Date(Date.UTC(2024, 4, 1, 0, 0, n)).toISOString(),
    ...overrides,
  };
}

const match: StreamMatch = {
  bank: 'known',
  bankId: 1,
  signalType: 'pdq',
  value: 'f'.repeat(64),
  action: 'block',
  distance: 4,
  verdict: 'block',
  firstTimestamp: 3.5,
  lastTimestamp: 4,
  firstSeenAt: '2024-05-01T00:00:09.000Z',
  frames: 2,
  caseId: 7,
};

/** Registering, following and ending streams: what every StreamStore must do. */
export function describeStreamStoreContract(kind: DatabaseKind): void {
  describe.skipIf(!kind.enabled)(`StreamStore on ${kind.name}`, () => {
    const fixture = useStore(kind);

    it('creates a stream and reads it back as given', async () => {
      const created = await fixture.store.streams.create(newStream(1, { name: 'Main stage' }));
      expect(created).toMatchObject({
        id: 'str_0001',
        name: 'Main stage',
        url: 'https://live.example/1.m3u8',
        sampleFps: 2,
        status: 'starting',
        framesSampled: 0,
        matches: [],
      });
      expect(created).not.toHaveProperty('error');
      expect(await fixture.store.streams.get('str_0001')).toStrictEqual(created);
      expect(await fixture.store.streams.get('str_none')).toBeUndefined();
      await expectSafeguardError(fixture.store.streams.create(newStream(1)), 'conflict');
    });

    it('records progress and matches without touching the status', async () => {
      await fixture.store.streams.create(newStream(1));
      const updated = await fixture.store.streams.progress('str_0001', {
        framesSampled: 12,
        lastFrameAt: '2024-05-01T00:00:10.000Z',
        matches: [match],
      });
      expect(updated).toMatchObject({
        status: 'starting',
        framesSampled: 12,
        lastFrameAt: '2024-05-01T00:00:10.000Z',
        matches: [match],
      });
      expect(await fixture.store.streams.progress('str_none', { framesSampled: 1 })).toBe(
        undefined,
      );
    });

    it('ends a stream once: a final status never changes again', async () => {
      await fixture.store.streams.create(newStream(1));
      const live = await fixture.store.streams.setStatus('str_0001', {
        status: 'live',
        at: '2024-05-01T00:00:05.000Z',
      });
      expect(live).toMatchObject({ changed: true, record: { status: 'live' } });
      expect(live?.record).not.toHaveProperty('endedAt');
      const stalled = await fixture.store.streams.setStatus('str_0001', {
        status: 'stalled',
        endReason: 'stalled',
        error: 'no frame for 5 s',
        at: '2024-05-01T00:00:20.000Z',
      });
      expect(stalled).toMatchObject({
        changed: true,
        record: {
          status: 'stalled',
          endReason: 'stalled',
          error: 'no frame for 5 s',
          endedAt: '2024-05-01T00:00:20.000Z',
        },
      });
      const again = await fixture.store.streams.setStatus('str_0001', {
        status: 'stopped',
        endReason: 'stopped',
        at: '2024-05-01T00:00:30.000Z',
      });
      expect(again).toMatchObject({ changed: false, record: { status: 'stalled' } });
      expect(
        await fixture.store.streams.setStatus('str_none', {
          status: 'live',
          at: live!.record.createdAt,
        }),
      ).toBeUndefined();
    });

    it('lists newest first, a page at a time, filtered by status', async () => {
      for (let n = 1; n <= 5; n++) await fixture.store.streams.create(newStream(n));
      await fixture.store.streams.setStatus('str_0002', {
        status: 'failed',
        endReason: 'unreachable',
        at: '2024-05-01T00:01:00.000Z',
      });
      const first = await fixture.store.streams.list({ limit: 3 });
      expect(first.streams.map((s) => s.id)).toEqual(['str_0005', 'str_0004', 'str_0003']);
      const second = await fixture.store.streams.list({ limit: 3, before: first.next });
      expect(second.streams.map((s) => s.id)).toEqual(['str_0002', 'str_0001']);
      expect(second.next).toBeUndefined();
      const failed = await fixture.store.streams.list({ limit: 10, status: 'failed' });
      expect(failed.streams.map((s) => s.id)).toEqual(['str_0002']);
    });

    it('refuses bad fields, naming them', async () => {
      await expectSafeguardError(
        fixture.store.streams.create(newStream(1, { sampleFps: 0 })),
        'invalid_argument',
      );
      await expectSafeguardError(
        fixture.store.streams.create(newStream(1, { id: 'has space' })),
        'invalid_argument',
      );
      await expectSafeguardError(fixture.store.streams.list({ limit: 0 }), 'invalid_argument');
    });
  });
}
