import { afterEach, describe, expect, it } from 'vitest';
import { SafeguardError } from '../../../src/core/errors.js';
import type { AgeBand } from '../../../src/core/grooming/conversation-risk.js';
import {
  GroomingService,
  type AssessedMessage,
  type IncomingMessage,
} from '../../../src/service/grooming/grooming-service.js';
import { loadGroomingModel } from '../../../src/service/grooming/model-file.js';
import { MAX_SEEN_MESSAGES, roundScore } from '../../../src/service/grooming/seen-messages.js';
import type { Store } from '../../../src/store/open-store.js';
import { databaseKinds, type TestDatabase } from '../../store/test-databases.js';
import { risky } from './invented-chats.js';

const model = loadGroomingModel();
const bands = new Map<string, AgeBand>([['kid', 'minor']]);

/** The invented grooming script and a kid's replies, each message with the platform's id. */
const chat: IncomingMessage[] = risky.flatMap((text, i) => [
  { id: `m${2 * i}`, author: 'grown', text },
  { id: `m${2 * i + 1}`, author: 'kid', text: i % 2 ? 'ok' : 'idk' },
]);

const serviceOn = (store: Store) =>
  new GroomingService(
    model,
    { caseStore: store.cases, auditLog: store.audit, stateStore: store.grooming },
    { cacheSize: 100 },
  );

const post = (service: GroomingService, messages: readonly IncomingMessage[]) =>
  service.addMessages('chat', messages, bands, 'key:test');

/** What a retry must repeat of a first assessment (the hits are not kept, scores to 1e-6). */
const firstOf = (a: AssessedMessage) => ({
  messageIndex: a.messageIndex,
  author: a.author,
  authorScore: roundScore(a.authorScore),
  sustainedScore: roundScore(a.sustainedScore),
  conversationRisk: roundScore(a.conversationRisk),
  alert: a.alert,
  caseId: a.caseId,
});

for (const kind of databaseKinds) {
  describe.skipIf(!kind.enabled)(`grooming message ids on ${kind.name}`, () => {
    let databases: TestDatabase[] = [];
    const open = async () => {
      const database = await kind.create();
      databases.push(database);
      return { database, store: await database.open() };
    };
    afterEach(async () => {
      await Promise.all(databases.map((d) => d.drop()));
      databases = [];
    });

    it('a retried batch is answered with its first assessments and not scored again', async () => {
      const { store } = await open();
      const service = serviceOn(store);
      const once = await post(service, chat);
      const alerting = once.find((a) => a.alert !== null);
      expect(alerting?.caseId).toBeTypeOf('number');

      // The whole conversation again (a client that timed out and sent it all once more).
      const again = await post(service, chat);
      expect(again.every((a) => a.duplicate === true && a.hits.length === 0)).toBe(true);
      expect(again.map(firstOf)).toEqual(once.map(firstOf));
      expect((await service.conversation('chat'))?.messages).toBe(chat.length);
      expect((await store.cases.list({ limit: 10 })).cases).toHaveLength(1);
      expect(await store.audit.list({ action: 'grooming.alert', limit: 10 })).toHaveLength(1);
    });

    it('a batch that repeats some messages scores only the new ones, as if sent once', async () => {
      const reference = await post(serviceOn((await open()).store), chat);
      const service = serviceOn((await open()).store);
      const first = await post(service, chat.slice(0, 10));
      const overlap = await post(service, chat.slice(6, 20));
      const rest = await post(service, chat.slice(20));
      expect(overlap.slice(0, 4).map((a) => [a.duplicate, a.messageIndex])).toEqual([
        [true, 6],
        [true, 7],
        [true, 8],
        [true, 9],
      ]);
      const fresh = [...first, ...overlap.slice(4), ...rest];
      expect(fresh.some((a) => a.duplicate)).toBe(false);
      expect(fresh).toEqual(reference);
    });

    it('remembers ids across a restart; the same id from another author is another message', async () => {
      const { database, store } = await open();
      await post(serviceOn(store), chat.slice(0, 4));
      await store.close();
      const restarted = serviceOn(await database.open());
      const [retried, other] = await post(restarted, [
        chat[3],
        { ...chat[3], author: 'someone-else' },
      ]);
      expect(retried).toMatchObject({ duplicate: true, messageIndex: 3, author: 'kid' });
      expect(other?.duplicate).toBeUndefined();
      expect(other?.messageIndex).toBe(4);
    });

    it('keeps no ids when none are sent, and refuses a damaged list naming it', async () => {
      const { store } = await open();
      const service = serviceOn(store);
      await post(
        service,
        chat.slice(0, 3).map(({ id: _, ...m }) => m),
      );
      const stored = await store.grooming.getConversation('chat');
      expect(JSON.parse(stored?.state ?? '{}')).not.toHaveProperty('seen');

      await post(service, chat.slice(3, 5));
      const withIds = JSON.parse((await store.grooming.getConversation('chat'))?.state ?? '{}') as {
        seen: unknown[];
      };
      expect(withIds.seen).toHaveLength(2);
      await store.db
        .updateTable('grooming_conversations')
        .set({ state: JSON.stringify({ ...withIds, seen: [['not-a-key', 0, 0, 0, 0]] }) })
        .execute();
      const error = await serviceOn(store)
        .addMessages('chat', [{ author: 'a', text: 'hi' }], undefined, 'k')
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SafeguardError);
      expect(String((error as Error).message)).toMatch(/seen must be a list of scored message ids/);
    });
  });
}

describe('grooming message ids, bounded', () => {
  it(`remembers the last ${MAX_SEEN_MESSAGES} ids of a conversation`, async () => {
    const database = await databaseKinds[0]?.create();
    if (database === undefined) throw new Error('no sqlite');
    try {
      const service = serviceOn(await database.open());
      const many = Array.from({ length: MAX_SEEN_MESSAGES + 1 }, (_, i) => ({
        id: `n${i}`,
        author: 'a',
        text: `message ${i}`,
      }));
      await post(service, many);
      const [oldest, newest] = await post(service, [many[0], many[MAX_SEEN_MESSAGES]] as const);
      expect(oldest?.duplicate).toBeUndefined(); // forgotten: scored as a new message
      expect(newest?.duplicate).toBe(true);
    } finally {
      await database.drop();
    }
  });
});
