import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SafeguardError } from '../../../src/core/errors.js';
import {
  ConversationRisk,
  type AgeBand,
  type MessageInput,
} from '../../../src/core/grooming/conversation-risk.js';
import type { GroomingModel } from '../../../src/core/grooming/grooming-model.js';
import {
  GroomingService,
  type AssessedMessage,
} from '../../../src/service/grooming/grooming-service.js';
import { loadGroomingModel } from '../../../src/service/grooming/model-file.js';
import { MemoryGroomingStateStore } from '../../../src/store/memory-grooming-state-store.js';
import type { Store } from '../../../src/store/open-store.js';
import { databaseKinds, type TestDatabase } from '../../store/test-databases.js';

const model = loadGroomingModel();

// Invented lines (never corpus text): an adult walking a kid through the grooming stages.
const adult = [
  'hey there, saw your drawings online',
  'how old r u',
  'you seem so grown up for your age',
  'is your mom home right now',
  'are you alone in your room',
  'dont tell anyone we talk ok',
  'this is just between us',
  'delete our chats after ok',
  'lets talk on snap instead',
  'send me a pic of you',
  'i could get you a new phone',
  'we should meet after school tomorrow',
  'i can pick you up, nobody has to know',
  'you are special to me',
];
const kid = ['hi', 'im 12', 'lol thanks', 'no she is at work', 'yeah', 'ok', 'why'];

/** The conversation as batches of messages, as a platform would post them. */
const batches: MessageInput[][] = (() => {
  const messages: MessageInput[] = [];
  adult.forEach((text, i) => {
    messages.push({ author: 'grown', text });
    if (i % 2 === 1) messages.push({ author: 'kid', text: kid[(i >> 1) % kid.length] });
  });
  const out: MessageInput[][] = [];
  for (let i = 0, size = 1; i < messages.length; i += size, size = (size % 3) + 1)
    out.push(messages.slice(i, i + size));
  return out;
})();
const bands = new Map<string, AgeBand>([['kid', 'minor']]);
const CONVERSATION = 'chat-7';

const serviceOn = (store: Store, options: { model?: GroomingModel; cacheSize?: number } = {}) =>
  new GroomingService(
    options.model ?? model,
    {
      caseStore: store.cases,
      auditLog: store.audit,
      stateStore: store.grooming,
      atomically: store.atomically,
    },
    { cacheSize: options.cacheSize ?? 100 },
  );

/** Posts the batches in order, each through the service `pick` names. */
async function post(pick: (batch: number) => GroomingService): Promise<AssessedMessage[]> {
  const out: AssessedMessage[] = [];
  for (const [i, batch] of batches.entries())
    out.push(...(await pick(i).addMessages(CONVERSATION, batch, bands, 'key:test')));
  return out;
}

async function outcome(service: GroomingService, store: Store) {
  return {
    conversation: await service.conversation(CONVERSATION),
    grown: await service.author('grown'),
    kid: await service.author('kid'),
    cases: (await store.cases.list({ limit: 100 })).cases.map((c) => [c.scanId, c.uploaderId]),
    audit: (await store.audit.list({ action: 'grooming.alert', limit: 100 })).map((e) => e.details),
  };
}

for (const kind of databaseKinds) {
  describe.skipIf(!kind.enabled)(`GroomingService on ${kind.name}`, () => {
    let reference: { assessed: AssessedMessage[]; outcome: Awaited<ReturnType<typeof outcome>> };
    let databases: TestDatabase[] = [];
    const fresh = async () => {
      const database = await kind.create();
      databases.push(database);
      return database;
    };
    beforeEach(async () => {
      const store = await (await fresh()).open();
      const service = serviceOn(store);
      const assessed = await post(() => service);
      reference = { assessed, outcome: await outcome(service, store) };
    });
    afterEach(async () => {
      await Promise.all(databases.map((d) => d.drop()));
      databases = [];
    });

    it('the reference conversation alerts once, on the adult, with one case and one audit entry', () => {
      const alerts = reference.assessed.filter((a) => a.alert !== null);
      expect(alerts).toHaveLength(1);
      expect(alerts[0]?.alert?.author).toBe('grown');
      expect(alerts[0]?.caseId).toBeTypeOf('number');
      expect(reference.outcome.conversation).toMatchObject({
        messages: reference.assessed.length,
        likelyGroomer: 'grown',
      });
      expect(reference.outcome.conversation?.alerts).toHaveLength(1);
      expect(reference.outcome.cases).toHaveLength(1);
      expect(reference.outcome.audit).toHaveLength(1);
      expect(reference.outcome.grown).toMatchObject({ conversations: 1, alertedConversations: 1 });
    });

    it('a restarted service continues the conversation where it stopped', async () => {
      const database = await fresh();
      const restartAt = [3, 9, 12];
      let store = await database.open();
      let service = serviceOn(store);
      const assessed: AssessedMessage[] = [];
      for (const [i, batch] of batches.entries()) {
        if (restartAt.includes(i)) {
          await store.close();
          store = await database.open();
          service = serviceOn(store);
        }
        assessed.push(...(await service.addMessages(CONVERSATION, batch, bands, 'key:test')));
      }
      expect(assessed).toEqual(reference.assessed);
      expect(await outcome(service, store)).toEqual(reference.outcome);
    });

    it('two services on one database, messages alternating, give what one gives', async () => {
      const database = await fresh();
      const first = await database.open();
      // Two connections (as two processes have) on PostgreSQL; on SQLite two connections in
      // one thread deadlock on the write lock, so the services share one (each its own cache).
      const second = kind.name === 'postgres' ? await database.open() : first;
      const services = [serviceOn(first), serviceOn(second)];
      const assessed = await post((i) => services[i % 2]);
      expect(assessed).toEqual(reference.assessed);
      expect(await outcome(services[1], second)).toEqual(reference.outcome);
      expect(await outcome(services[0], first)).toEqual(reference.outcome);
    });

    it('concurrent posts to one conversation lose nothing: the result is one serial order', async () => {
      const database = await fresh();
      const first = await database.open();
      const second = kind.name === 'postgres' ? await database.open() : first;
      const services = [serviceOn(first), serviceOn(second), serviceOn(second, { cacheSize: 0 })];
      const results = await Promise.all(
        batches.map((batch, i) => services[i % 3].addMessages(CONVERSATION, batch, bands, 'key:t')),
      );
      // Every message got its own index, each batch a contiguous run.
      const order = results
        .map((r, i) => ({ batch: i, first: r[0]?.messageIndex ?? -1 }))
        .sort((x, y) => x.first - y.first);
      const indexes = results.flat().map((a) => a.messageIndex);
      expect([...indexes].sort((x, y) => x - y)).toEqual(indexes.map((_, i) => i));
      for (const r of results)
        expect(r.map((a) => a.messageIndex)).toEqual(
          r.map((_, i) => (r[0]?.messageIndex ?? 0) + i),
        );
      // Replaying the batches in the order they were committed gives the same scores.
      const replay = new ConversationRisk(model, bands);
      const replayed = order.flatMap(({ batch }) =>
        (batches[batch] ?? []).map((m) => replay.add(m)),
      );
      const committed = order.flatMap(({ batch }) =>
        (results[batch] ?? []).map(({ caseId: _, ...score }) => score),
      );
      expect(committed).toEqual(replayed);
      const view = await services[0].conversation(CONVERSATION);
      expect(view).toMatchObject({ messages: indexes.length, risk: replay.currentRisk });
      expect(view?.alerts).toHaveLength(replay.alerts);
      expect((await first.cases.list({ limit: 10 })).cases).toHaveLength(replay.alerts);
    });

    it('keeps at most cacheSize conversations in memory; the others continue from the store', async () => {
      const store = await (await fresh()).open();
      const service = serviceOn(store, { cacheSize: 2 });
      const assessed: AssessedMessage[] = [];
      for (const [i, batch] of batches.entries()) {
        assessed.push(...(await service.addMessages(CONVERSATION, batch, bands, 'key:test')));
        // Other conversations push this one out of the cache between its requests.
        for (const other of [`x${i}`, `y${i}`])
          await service.addMessages(other, [{ author: 'z', text: 'hi' }], undefined, 'k');
        expect(service.cachedConversations).toBeLessThanOrEqual(2);
      }
      expect(assessed).toEqual(reference.assessed);
    });

    it('refuses stored state it cannot read, naming why, and leaves it as it is', async () => {
      const store = await (await fresh()).open();
      const service = serviceOn(store);
      const rows = [
        { id: 'junk', state: '{not json' },
        {
          id: 'newer',
          state: JSON.stringify({ format: 'safeguard-grooming-conversation', version: 2 }),
        },
        {
          id: 'damaged',
          state: JSON.stringify({
            format: 'safeguard-grooming-conversation',
            version: 1,
            model: 'x',
            state: { messages: 'many' },
            alerts: [],
          }),
        },
      ];
      await store.db
        .insertInto('grooming_conversations')
        .values(rows.map((r) => ({ ...r, version: 3, updated_at: '2026-01-01T00:00:00.000Z' })))
        .execute();
      const refusal = async (promise: Promise<unknown>) => {
        const error = await promise.then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(SafeguardError);
        return error instanceof SafeguardError ? `${error.code}: ${error.message}` : '';
      };
      const say = [{ author: 'a', text: 'hello' }];
      expect(await refusal(service.addMessages('junk', say, undefined, 'k'))).toMatch(
        /^internal: the stored grooming state of conversation junk cannot be read: not JSON/,
      );
      expect(await refusal(service.conversation('newer'))).toMatch(
        /record version 2 is not one this release reads \(1\)/,
      );
      expect(await refusal(service.addMessages('damaged', say, undefined, 'k'))).toMatch(
        /state: messages must be a whole number/,
      );
      const left = await store.db.selectFrom('grooming_conversations').selectAll().execute();
      expect(left.map((r) => [r.id, Number(r.version), r.state]).sort()).toEqual(
        rows.map((r) => [r.id, 3, r.state]).sort(),
      );
      // Other conversations are not affected.
      expect(await service.addMessages('fine', say, undefined, 'k')).toHaveLength(1);
    });

    it('continues state built under another model: no second alert, windows refilled', async () => {
      const store = await (await fresh()).open();
      await post(() => serviceOn(store));
      const retrained = { ...model, bias: model.bias + 0.5 };
      const service = serviceOn(store, { model: retrained });
      const before = await service.conversation(CONVERSATION);
      const more = await service.addMessages(
        CONVERSATION,
        adult.map((text) => ({ author: 'grown', text })),
        undefined,
        'key:test',
      );
      expect(more[0]?.messageIndex).toBe(before?.messages);
      // The old model's window scores are not compared with the new one's: sustained scores
      // (what alerts compare) start again after `persistence` windows of the new model.
      expect(more.slice(0, retrained.persistence - 1).map((a) => a.sustainedScore)).toEqual(
        Array.from({ length: retrained.persistence - 1 }, () => 0),
      );
      expect(more[retrained.persistence - 1]?.sustainedScore).toBeGreaterThan(0);
      expect(more.every((a) => a.alert === null)).toBe(true);
      const after = await service.conversation(CONVERSATION);
      expect(after?.alerts).toEqual(before?.alerts);
      expect(after?.risk).toBeGreaterThanOrEqual(before?.risk ?? 1);
      expect((await store.cases.list({ limit: 10 })).cases).toHaveLength(1);
      const stored = await store.grooming.getConversation(CONVERSATION);
      expect(JSON.parse(stored?.state ?? '{}')).toMatchObject({ model: service.modelId });
    });
  });
}

describe('GroomingService on the in-memory state store', () => {
  it('scores as on a database, bounded by the store', async () => {
    const database = await databaseKinds[0]?.create();
    if (database === undefined) throw new Error('no sqlite');
    try {
      const store = await database.open();
      const memory = new MemoryGroomingStateStore({ maxConversations: 1, maxAuthors: 10 });
      const service = new GroomingService(
        model,
        { caseStore: store.cases, auditLog: store.audit, stateStore: memory },
        { cacheSize: 0 },
      );
      const onDatabase = serviceOn(store);
      const a = await post(() => service);
      const b = await post(() => onDatabase);
      expect(a).toEqual(b);
      await service.addMessages('other', [{ author: 'z', text: 'hi' }], undefined, 'k');
      expect(await service.conversation(CONVERSATION)).toBeUndefined(); // forgotten past 1
    } finally {
      await database.drop();
    }
  });
});
