/**
 * The UserDirectory contract: one suite, run on the embedded PGlite (unit) and on a
 * real PostgreSQL (integration).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Database } from '../../src/persistence/directory/database.js';
import { migrate } from '../../src/persistence/directory/migrate.js';
import { LATEST_SCHEMA_VERSION } from '../../src/persistence/directory/migrations.js';
import { SqlUserDirectory } from '../../src/persistence/directory/sql-user-directory.js';
import type { UserDirectory } from '../../src/persistence/directory/user-directory.js';

const email = (tag: string): string => `${tag}-${randomUUID().slice(0, 8)}@example.test`;

export function userDirectoryContract(name: string, open: () => Promise<Database>): void {
  describe(`UserDirectory contract: ${name}`, () => {
    let db: Database;
    let dir: UserDirectory;
    before(async () => {
      db = await open();
      await migrate(db);
      dir = new SqlUserDirectory(db);
    });
    after(async () => dir?.close());

    const create = async (e = email('u'), extra: Record<string, unknown> = {}) => {
      const a = await dir.createAccount({
        id: randomUUID(),
        email: e,
        passwordHash: '$argon2id$x',
        ...extra,
      });
      assert.notEqual(a, 'email_taken');
      return a as Exclude<typeof a, 'email_taken'>;
    };

    it('migrates once: a second run applies nothing and the schema is current', async () => {
      const again = await migrate(db);
      assert.deepEqual(again, { applied: [], version: LATEST_SCHEMA_VERSION });
    });

    it('creates an account and finds it by email and by id', async () => {
      const e = email('find');
      const a = await create(e, { roles: ['admin'] });
      assert.equal(a.email, e);
      assert.deepEqual(a.roles, ['admin']);
      assert.equal(a.disabled, false);
      assert.equal(a.emailVerified, false);
      assert.ok(a.createdAt instanceof Date && Math.abs(a.createdAt.getTime() - Date.now()) < 60_000);
      assert.deepEqual(await dir.findByEmail(e), a);
      assert.deepEqual(await dir.findById(a.id), a);
      assert.equal(await dir.findByEmail(`no-${e}`), null);
      assert.equal(await dir.findById(randomUUID()), null);
      assert.equal(await dir.findById('not-a-uuid'), null);
    });

    it('enforces one account per email in the database, also under concurrency', async () => {
      const e = email('dup');
      const results = await Promise.all(
        Array.from({ length: 8 }, () => dir.createAccount({ id: randomUUID(), email: e, passwordHash: 'h' })),
      );
      assert.equal(results.filter((r) => r !== 'email_taken').length, 1);
      assert.equal(results.filter((r) => r === 'email_taken').length, 7);
    });

    it('changes the security stamp with the password and on disable, not on enable', async () => {
      const a = await create();
      const changed = await dir.setPasswordHash(a.id, '$argon2id$new');
      assert.equal(changed?.passwordHash, '$argon2id$new');
      assert.notEqual(changed?.securityStamp, a.securityStamp);
      const disabled = await dir.setDisabled(a.id, true);
      assert.equal(disabled?.disabled, true);
      assert.notEqual(disabled?.securityStamp, changed?.securityStamp);
      const enabled = await dir.setDisabled(a.id, false);
      assert.equal(enabled?.disabled, false);
      assert.equal(enabled?.securityStamp, disabled?.securityStamp);
      assert.ok(enabled.updatedAt >= a.updatedAt);
      assert.equal(await dir.setDisabled(randomUUID(), true), null);
    });

    it('sets roles (deduplicated, sorted) and marks the email verified', async () => {
      const a = await create();
      assert.deepEqual((await dir.setRoles(a.id, ['admin', 'admin']))?.roles, ['admin']);
      assert.deepEqual((await dir.setRoles(a.id, []))?.roles, []);
      assert.equal((await dir.setEmailVerified(a.id))?.emailVerified, true);
    });

    it('deletes an account; the email can then be used again', async () => {
      const e = email('del');
      const a = await create(e);
      assert.equal(await dir.deleteAccount(a.id), true);
      assert.equal(await dir.deleteAccount(a.id), false);
      assert.equal(await dir.findByEmail(e), null);
      await create(e);
    });

    it('searches accounts by email substring, a page at a time, without repeats', async () => {
      const tag = `srch${randomUUID().slice(0, 6)}`;
      const made = [];
      for (let i = 0; i < 7; i++) made.push(await create(`${tag}-${i}@example.test`));
      await create(email('other'));
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 10; page++) {
        const p = await dir.searchAccounts({
          query: tag.toUpperCase(),
          limit: 3,
          ...(cursor ? { cursor } : {}),
        });
        seen.push(...p.items.map((a) => a.email));
        if (!p.nextCursor) break;
        cursor = p.nextCursor;
      }
      assert.deepEqual(seen, made.map((a) => a.email).sort());
      // LIKE wildcards in the query are literal.
      assert.deepEqual((await dir.searchAccounts({ query: '%', limit: 10 })).items, []);
      await assert.rejects(
        dir.searchAccounts({ query: tag, cursor: 'bm90IGEgY3Vyc29y', limit: 3 }),
        /cursor/,
      );
    });

    it('keeps an audit log, newest first, filtered by user and type, paged', async () => {
      const user = randomUUID();
      const admin = randomUUID();
      for (let i = 0; i < 5; i++) {
        await dir.appendAudit({
          type: i % 2 ? 'login_failure' : 'login_success',
          userId: user,
          actorId: i === 4 ? admin : null,
          ip: '192.0.2.1',
          userAgent: 'test',
          detail: { i },
        });
      }
      const all = await dir.listAudit({ userId: user, limit: 10 });
      assert.deepEqual(
        all.items.map((e) => e.detail.i),
        [4, 3, 2, 1, 0],
      );
      assert.equal(all.items[0]!.actorId, admin);
      assert.equal(all.nextCursor, null);
      const failures = await dir.listAudit({ userId: user, type: 'login_failure', limit: 10 });
      assert.deepEqual(
        failures.items.map((e) => e.detail.i),
        [3, 1],
      );
      const first = await dir.listAudit({ userId: user, limit: 2 });
      const second = await dir.listAudit({ userId: user, limit: 2, cursor: first.nextCursor! });
      assert.deepEqual(
        [...first.items, ...second.items].map((e) => e.detail.i),
        [4, 3, 2, 1],
      );
      assert.equal(await dir.pruneAudit(1), 0, 'nothing is a day old');
    });

    it('prunes audit events past the retention', async () => {
      const user = randomUUID();
      await dir.appendAudit({
        type: 'old',
        userId: user,
        actorId: null,
        ip: null,
        userAgent: null,
        detail: {},
      });
      await db.query(`UPDATE audit_events SET at = now() - interval '100 days' WHERE user_id = $1`, [user]);
      assert.ok((await dir.pruneAudit(90)) >= 1);
      assert.deepEqual((await dir.listAudit({ userId: user, limit: 10 })).items, []);
    });

    it('pings', async () => {
      await dir.ping();
    });
  });
}
