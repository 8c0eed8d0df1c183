import { describe, expect, it } from 'vitest';
import { lastUsedResolutionMs } from '../../src/service/ports/key-store.js';
import { expectSafeguardError, useStore } from './store-fixture.js';
import type { DatabaseKind } from './test-databases.js';

const tokenPattern = /^sg_[a-z2-7]{10}_[A-Za-z0-9_-]{43}$/;

/** API keys: what every KeyStore must do, on every database. */
export function describeKeyStoreContract(kind: DatabaseKind): void {
  describe.skipIf(!kind.enabled)(`KeyStore on ${kind.name}`, () => {
    const fixture = useStore(kind);

    it('creates a key, returns its token once, and keeps only a hash of it', async () => {
      const { key, token } = await fixture.store.keys.create({
        name: 'upload service',
        scopes: ['lookup', 'scan'],
      });
      expect(token).toMatch(tokenPattern);
      expect(key).toEqual({
        id: token.slice(3, 13),
        name: 'upload service',
        scopes: ['scan', 'lookup'],
        createdAt: '2024-05-01T00:00:00.000Z',
      });
      expect(await fixture.store.keys.get(key.id)).toEqual(key);
      expect(await fixture.store.keys.list()).toEqual([key]);

      const secret = token.slice(14);
      const rows = await fixture.store.db.selectFrom('api_keys').selectAll().execute();
      expect(rows).toHaveLength(1);
      const stored = JSON.stringify(rows);
      expect(stored).not.toContain(secret);
      expect(stored).not.toContain(token);
      expect(rows[0].token_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.stringify(await fixture.store.keys.list())).not.toContain(secret);
    });

    it('authenticates the right token only', async () => {
      const { key, token } = await fixture.store.keys.create({ name: 'a', scopes: ['scan'] });
      const other = await fixture.store.keys.create({ name: 'b', scopes: ['admin'] });
      expect(await fixture.store.keys.authenticate(token)).toMatchObject({
        id: key.id,
        scopes: ['scan'],
      });
      const flipped = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
      const wrongSecret = `sg_${key.id}_${other.token.slice(14)}`;
      for (const bad of [
        flipped,
        wrongSecret,
        `sg_${'a'.repeat(10)}_${token.slice(14)}`,
        token.slice(0, -1),
        `${token} `,
        '',
        'Bearer ' + token,
      ]) {
        expect(await fixture.store.keys.authenticate(bad), bad).toBeUndefined();
      }
      expect(await fixture.store.keys.authenticate(other.token)).toMatchObject({
        id: other.key.id,
        scopes: ['admin'],
      });
    });

    it('revokes a key at once, keeping it listed', async () => {
      const { key, token } = await fixture.store.keys.create({ name: 'old', scopes: ['cases'] });
      const kept = await fixture.store.keys.create({ name: 'kept', scopes: ['cases'] });
      const result = await fixture.store.keys.revoke(key.id);
      expect(result.revoked).toBe(true);
      expect(result.key.revokedAt).toMatch(/^2024-05-01T/);
      expect(await fixture.store.keys.authenticate(token)).toBeUndefined();
      expect(await fixture.store.keys.authenticate(kept.token)).toBeDefined();
      const listed = await fixture.store.keys.list();
      expect(listed.map((k) => [k.name, k.revokedAt !== undefined])).toEqual([
        ['old', true],
        ['kept', false],
      ]);
      const again = await fixture.store.keys.revoke(key.id);
      expect(again).toEqual({ key: result.key, revoked: false });
      await expectSafeguardError(
        fixture.store.keys.revoke('aaaaaaaaaa'),
        'not_found',
        /aaaaaaaaaa/,
      );
    });

    it('refuses a malformed id without echoing it (it may be a token)', async () => {
      const { token } = await fixture.store.keys.create({ name: 'x', scopes: ['scan'] });
      const error = await fixture.store.keys.revoke(token).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(String(error)).toMatch(/looks like a whole token/);
      expect(String(error)).not.toContain(token.slice(14));
      await expectSafeguardError(fixture.store.keys.get('ABC'), 'invalid_argument', /key id/);
      expect(await fixture.store.keys.get('bbbbbbbbbb')).toBeUndefined();
    });

    it('records use at most once per resolution', async () => {
      let now = Date.UTC(2024, 5, 1, 12, 0, 0);
      const store = await fixture.database.open({ now: () => new Date(now) });
      const { key, token } = await store.keys.create({ name: 'busy', scopes: ['lookup'] });
      expect(key.lastUsedAt).toBeUndefined();
      const first = await store.keys.authenticate(token);
      expect(first?.lastUsedAt).toBe('2024-06-01T12:00:00.000Z');
      now += lastUsedResolutionMs - 1;
      expect((await store.keys.authenticate(token))?.lastUsedAt).toBe('2024-06-01T12:00:00.000Z');
      expect((await store.keys.get(key.id))?.lastUsedAt).toBe('2024-06-01T12:00:00.000Z');
      now += 1;
      expect((await store.keys.authenticate(token))?.lastUsedAt).toBe('2024-06-01T12:01:00.000Z');
      expect((await store.keys.get(key.id))?.lastUsedAt).toBe('2024-06-01T12:01:00.000Z');
    });

    it('counts keys and creates the first one only on an empty store, atomically', async () => {
      expect(await fixture.store.keys.count()).toBe(0);
      // Two stores on one database, as two processes would be. Not on SQLite: there, two
      // connections of one process deadlock (a busy wait blocks the thread holding the lock).
      const second = kind.name === 'postgres' ? await fixture.database.open() : fixture.store;
      const attempts = await Promise.all(
        [fixture.store, second, fixture.store, second].map((store) =>
          store.keys.createIfEmpty({ name: 'admin', scopes: ['admin'] }),
        ),
      );
      const created = attempts.filter((attempt) => attempt !== undefined);
      expect(created).toHaveLength(1);
      expect(await fixture.store.keys.count()).toBe(1);
      await fixture.store.keys.revoke(created[0].key.id);
      expect(await fixture.store.keys.createIfEmpty({ name: 'admin', scopes: ['admin'] })).toBe(
        undefined,
      );
      await fixture.store.keys.create({ name: 'more', scopes: ['scan'] });
      expect(await second.keys.count()).toBe(2);
    });

    it('refuses bad names and scopes, naming the problem', async () => {
      await expectSafeguardError(
        fixture.store.keys.create({ name: '', scopes: ['scan'] }),
        'invalid_argument',
        /key name/,
      );
      await expectSafeguardError(
        fixture.store.keys.create({ name: 'x'.repeat(101), scopes: ['scan'] }),
        'invalid_argument',
        /1 to 100 characters/,
      );
      await expectSafeguardError(
        fixture.store.keys.create({ name: 'bell\u0007', scopes: ['scan'] }),
        'invalid_argument',
        /control characters/,
      );
      await expectSafeguardError(
        fixture.store.keys.create({ name: 'x', scopes: [] }),
        'invalid_argument',
        /at least one scope/,
      );
      await expectSafeguardError(
        fixture.store.keys.create({ name: 'x', scopes: ['scan', 'root' as 'scan'] }),
        'invalid_argument',
        /unknown scope "root"/,
      );
      expect(await fixture.store.keys.count()).toBe(0);
    });

    it('grants no scope it does not know, whatever the table says', async () => {
      const { key, token } = await fixture.store.keys.create({ name: 'x', scopes: ['scan'] });
      await fixture.store.db
        .updateTable('api_keys')
        .set({ scopes: '["scan","superuser"]' })
        .where('id', '=', key.id)
        .execute();
      expect((await fixture.store.keys.authenticate(token))?.scopes).toEqual(['scan']);
      await fixture.store.db
        .updateTable('api_keys')
        .set({ scopes: 'not json' })
        .where('id', '=', key.id)
        .execute();
      expect((await fixture.store.keys.authenticate(token))?.scopes).toEqual([]);
    });
  });
}
