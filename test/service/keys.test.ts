import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cliActor, keyActor, systemActor } from '../../src/service/audit.js';
import { createKey, ensureBootstrapKey, revokeKey } from '../../src/service/keys.js';
import { hasScope } from '../../src/service/ports/key-store.js';
import type { Store } from '../../src/store/open-store.js';
import { createTickingClock, expectSafeguardError } from '../store/store-fixture.js';
import { createSqliteDatabase, type TestDatabase } from '../store/test-databases.js';

describe('API key services (real SQLite, fixed clock)', () => {
  let database: TestDatabase;
  let store: Store;
  let deps: { keyStore: Store['keys']; auditLog: Store['audit'] };

  beforeEach(async () => {
    database = await createSqliteDatabase();
    store = await database.open({ now: createTickingClock() });
    deps = { keyStore: store.keys, auditLog: store.audit };
  });
  afterEach(async () => {
    await database.drop();
  });

  it('creates the admin key on first start only, and logs it without the token', async () => {
    const created = await ensureBootstrapKey(deps);
    expect(created?.key).toMatchObject({ name: 'admin', scopes: ['admin'] });
    expect(await ensureBootstrapKey(deps)).toBeUndefined();
    expect(await store.keys.count()).toBe(1);
    const token = created?.token ?? '';
    const admin = await store.keys.authenticate(token);
    expect(admin !== undefined && hasScope(admin.scopes, 'banks:write')).toBe(true);

    const log = await store.audit.list({ limit: 10 });
    expect(log).toMatchObject([
      {
        actor: systemActor,
        action: 'key.create',
        subject: `key:${created?.key.id}`,
        details: { name: 'admin', scopes: ['admin'], bootstrap: true },
      },
    ]);
    expect(JSON.stringify(log)).not.toContain(token.slice(14));
  });

  it('does not bootstrap a store that has keys, even only revoked ones', async () => {
    const made = await createKey(deps, { name: 'ops', scopes: 'banks:read' }, cliActor);
    await revokeKey(deps, made.key.id, cliActor);
    expect(await ensureBootstrapKey(deps)).toBeUndefined();
  });

  it('creates a key from a scope list and logs key.create', async () => {
    const created = await createKey(
      deps,
      { name: 'uploads', scopes: 'lookup, scan' },
      keyActor('abcdefghij'),
    );
    expect(created.key.scopes).toEqual(['scan', 'lookup']);
    expect(await store.audit.list({ limit: 10 })).toMatchObject([
      {
        actor: 'key:abcdefghij',
        action: 'key.create',
        subject: `key:${created.key.id}`,
        details: { name: 'uploads', scopes: ['scan', 'lookup'] },
      },
    ]);
    await expectSafeguardError(
      createKey(deps, { name: 'bad', scopes: 'scan,everything' }, cliActor),
      'invalid_argument',
      /unknown scope "everything"/,
    );
    expect(await store.keys.count()).toBe(1);
  });

  it('revokes a key, logging key.revoke once', async () => {
    const created = await createKey(deps, { name: 'x', scopes: ['cases'] }, cliActor);
    expect((await revokeKey(deps, created.key.id, cliActor)).revoked).toBe(true);
    expect((await revokeKey(deps, created.key.id, cliActor)).revoked).toBe(false);
    const actions = (await store.audit.list({ limit: 10 })).map((e) => e.action);
    expect(actions).toEqual(['key.create', 'key.revoke']);
    await expectSafeguardError(revokeKey(deps, 'zzzzzzzzzz', cliActor), 'not_found');
    expect((await store.audit.verify()).ok).toBe(true);
  });

  it('with atomically, a key whose audit entry cannot be written is not created or revoked', async () => {
    const atomic = { ...deps, atomically: store.atomically };
    const unloggable = 'x'.repeat(1000); // longer than an audit actor may be
    await expectSafeguardError(
      createKey(atomic, { name: 'ghost', scopes: 'scan' }, unloggable),
      'invalid_argument',
    );
    expect(await store.keys.count()).toBe(0);
    const made = await createKey(atomic, { name: 'real', scopes: 'scan' }, cliActor);
    await expectSafeguardError(revokeKey(atomic, made.key.id, unloggable), 'invalid_argument');
    expect((await store.keys.get(made.key.id))?.revokedAt).toBeUndefined();
    expect((await revokeKey(atomic, made.key.id, cliActor)).revoked).toBe(true);
    expect((await ensureBootstrapKey(atomic)) === undefined).toBe(true); // keys exist
    const actions = (await store.audit.list({ limit: 10 })).map((e) => e.action);
    expect(actions).toEqual(['key.create', 'key.revoke']);
    expect((await store.audit.verify()).ok).toBe(true);
  });
});
