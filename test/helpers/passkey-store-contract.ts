/**
 * The PasskeyStore contract: one suite, run on the embedded PGlite (unit) and on a real
 * PostgreSQL (integration).
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Database } from '../../src/persistence/directory/database.js';
import { migrate } from '../../src/persistence/directory/migrate.js';
import { SqlUserDirectory } from '../../src/persistence/directory/sql-user-directory.js';
import { SqlPasskeyStore, type NewPasskey } from '../../src/persistence/passkey-store.js';

const email = (tag: string): string => `${tag}-${randomUUID().slice(0, 8)}@example.test`;

export function passkeyStoreContract(name: string, open: () => Promise<Database>): void {
  describe(`PasskeyStore contract: ${name}`, () => {
    let db: Database;
    let dir: SqlUserDirectory;
    let store: SqlPasskeyStore;
    before(async () => {
      db = await open();
      await migrate(db);
      dir = new SqlUserDirectory(db);
      store = new SqlPasskeyStore(db);
    });
    after(async () => dir?.close());

    const account = async (passwordHash: string | null = '$argon2id$x', e = email('pk')) => {
      const a = await dir.createAccount({ id: randomUUID(), email: e, passwordHash });
      assert.notEqual(a, 'email_taken');
      return a as Exclude<typeof a, 'email_taken'>;
    };
    const passkey = (userId: string, extra: Partial<NewPasskey> = {}): NewPasskey => ({
      id: randomUUID(),
      credentialId: randomBytes(16).toString('base64url'),
      userId,
      publicKey: new Uint8Array(randomBytes(77)),
      counter: 0,
      transports: ['internal', 'hybrid'],
      deviceType: 'multiDevice',
      backedUp: true,
      name: 'Laptop',
      ...extra,
    });

    it('adds a passkey and reads it back whole, by credential id and by user', async () => {
      const a = await account();
      const p = passkey(a.id, { counter: 7 });
      const added = await store.add(p);
      assert.notEqual(added, 'duplicate');
      const found = await store.findByCredentialId(p.credentialId);
      assert.ok(found, 'found');
      assert.deepEqual(
        { ...found, createdAt: undefined },
        { ...p, createdAt: undefined, lastUsedAt: null },
        'every field round-trips (the public key byte for byte)',
      );
      assert.ok(found.publicKey instanceof Uint8Array, 'a Uint8Array');
      assert.ok(Math.abs(found.createdAt.getTime() - Date.now()) < 60_000, 'created now');
      assert.deepEqual(
        (await store.listByUser(a.id)).map((x) => x.id),
        [p.id],
      );
      assert.equal(await store.findByCredentialId('nope'), null);
      assert.deepEqual(await store.listByUser('not-a-uuid'), []);
    });

    it('refuses a credential id registered already (to anyone)', async () => {
      const a = await account();
      const b = await account();
      const p = passkey(a.id);
      assert.notEqual(await store.add(p), 'duplicate');
      assert.equal(await store.add(passkey(b.id, { credentialId: p.credentialId })), 'duplicate');
      assert.equal((await store.findByCredentialId(p.credentialId))?.userId, a.id);
    });

    it('lists the credentials of an email in one query; nothing for an unknown email', async () => {
      const a = await account();
      const p1 = passkey(a.id, { transports: ['usb'] });
      const p2 = passkey(a.id, { transports: [] });
      await store.add(p1);
      await store.add(p2);
      const got = await store.credentialsByEmail(a.email);
      assert.deepEqual(
        new Set(got.map((c) => `${c.credentialId}:${c.transports.join('+')}`)),
        new Set([`${p1.credentialId}:usb`, `${p2.credentialId}:`]),
      );
      assert.deepEqual(await store.credentialsByEmail(email('nobody')), []);
    });

    it('records a use only when the counter moves forward; a regression changes nothing', async () => {
      const a = await account();
      const p = passkey(a.id, { counter: 5, backedUp: false });
      await store.add(p);
      const used = await store.recordUse(p.credentialId, 6, true);
      assert.equal(used.status, 'recorded');
      assert.equal(used.status === 'recorded' && used.passkey.counter, 6);
      assert.equal(used.status === 'recorded' && used.passkey.backedUp, true, 'the backup flag is kept');
      assert.ok(used.status === 'recorded' && used.passkey.lastUsedAt instanceof Date, 'last used now');
      assert.deepEqual(await store.recordUse(p.credentialId, 6, true), {
        status: 'regressed',
        storedCounter: 6,
      });
      assert.deepEqual(await store.recordUse(p.credentialId, 2, true), {
        status: 'regressed',
        storedCounter: 6,
      });
      assert.equal((await store.findByCredentialId(p.credentialId))?.counter, 6);
      assert.deepEqual(await store.recordUse('unknown', 1, false), { status: 'not_found' });
    });

    it('an authenticator without a counter (always 0) is recorded every time; 0 after a counter is a regression', async () => {
      const a = await account();
      const p = passkey(a.id);
      await store.add(p);
      assert.equal((await store.recordUse(p.credentialId, 0, true)).status, 'recorded');
      assert.equal((await store.recordUse(p.credentialId, 0, true)).status, 'recorded');
      const q = passkey(a.id, { counter: 3 });
      await store.add(q);
      assert.equal((await store.recordUse(q.credentialId, 0, true)).status, 'regressed');
    });

    it('of concurrent uses with one counter value, exactly one is recorded', async () => {
      const a = await account();
      const p = passkey(a.id, { counter: 1 });
      await store.add(p);
      const outcomes = await Promise.all(
        Array.from({ length: 8 }, () => store.recordUse(p.credentialId, 2, false)),
      );
      assert.equal(outcomes.filter((o) => o.status === 'recorded').length, 1);
      assert.equal(outcomes.filter((o) => o.status === 'regressed').length, 7);
    });

    it("removes only the owner's passkey; another user's id is not_found", async () => {
      const a = await account();
      const b = await account();
      const p = passkey(a.id);
      const q = passkey(a.id);
      await store.add(p);
      await store.add(q);
      assert.equal(await store.remove(b.id, p.id), 'not_found');
      assert.equal(await store.remove(a.id, randomUUID()), 'not_found');
      assert.equal(await store.remove(a.id, 'not-a-uuid'), 'not_found');
      assert.equal(await store.remove(a.id, p.id), 'removed');
      assert.equal(await store.remove(a.id, p.id), 'not_found');
      assert.equal(await store.findByCredentialId(p.credentialId), null);
      assert.equal(await store.remove(a.id, q.id), 'removed', 'the account still has its password');
    });

    it('refuses to remove the last sign-in method of an account without a password, even concurrently', async () => {
      const a = await account(null);
      const p = passkey(a.id);
      const q = passkey(a.id);
      await store.add(p);
      await store.add(q);
      const both = await Promise.all([store.remove(a.id, p.id), store.remove(a.id, q.id)]);
      assert.deepEqual([...both].sort(), ['last_sign_in_method', 'removed']);
      const left = await store.listByUser(a.id);
      assert.equal(left.length, 1);
      assert.equal(await store.remove(a.id, left[0]!.id), 'last_sign_in_method');
    });

    it('deleting the account deletes its passkeys (ON DELETE CASCADE)', async () => {
      const a = await account();
      const p = passkey(a.id);
      await store.add(p);
      assert.equal(await dir.deleteAccount(a.id), true);
      assert.equal(await store.findByCredentialId(p.credentialId), null);
    });
  });
}
