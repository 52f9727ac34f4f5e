/**
 * The mailed-link and TOTP tables on the embedded database (the same SQL runs on
 * PostgreSQL in the integration tests): single use under concurrency, expiry, the
 * compare-and-set that accepts a TOTP step once, and cleanup with the account.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Database } from '../../src/persistence/directory/database.js';
import { SqlUserDirectory } from '../../src/persistence/directory/sql-user-directory.js';
import { TotpFactors } from '../../src/persistence/totp-factors.js';
import { hashToken, OneTimeTokens } from '../../src/persistence/one-time-tokens.js';
import { testDatabase } from '../helpers/databases.js';

describe('account tables', () => {
  let db: Database;
  let directory: SqlUserDirectory;
  let links: OneTimeTokens;
  let totp: TotpFactors;

  const newUser = async (): Promise<string> => {
    const id = randomUUID();
    const created = await directory.createAccount({ id, email: `${id}@example.test`, passwordHash: null });
    assert.notEqual(created, 'email_taken');
    return id;
  };

  before(async () => {
    db = await testDatabase();
    directory = new SqlUserDirectory(db);
    links = new OneTimeTokens(db);
    totp = new TotpFactors(db);
  });
  after(() => db?.close());

  it('stores only the hash of a link token, which 20 concurrent uses consume exactly once', async () => {
    const userId = await newUser();
    const token = await links.issue('password_reset', { userId, email: 'a@example.test' }, 60);
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    const rows = await db.query<{ token_hash: string }>(
      'SELECT token_hash FROM one_time_tokens WHERE user_id = $1',
      [userId],
    );
    assert.deepEqual(
      rows.map((r) => r.token_hash),
      [hashToken(token)],
    );
    assert.deepEqual(await links.peek('password_reset', token), { userId, email: 'a@example.test' });
    assert.equal(await links.peek('email_verification', token), null, 'bound to its purpose');
    const uses = await Promise.all(Array.from({ length: 20 }, () => links.consume('password_reset', token)));
    assert.equal(uses.filter((u) => u !== null).length, 1);
    assert.equal(await links.peek('password_reset', token), null);
  });

  it('refuses an expired token, and prunes it', async () => {
    const userId = await newUser();
    const token = await links.issue('email_verification', { userId, email: 'b@example.test' }, 60);
    await db.query("UPDATE one_time_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1", [
      userId,
    ]);
    assert.equal(await links.peek('email_verification', token), null);
    await links.issue('email_verification', { userId, email: 'b@example.test' }, 60);
    assert.ok((await links.pruneExpired()) >= 1);
    assert.equal(await links.consume('email_verification', token), null);
    assert.equal(
      await links.revokeAll('email_verification', userId),
      1,
      'the live one is left for revokeAll',
    );
  });

  it('accepts each TOTP step once, also when claimed concurrently', async () => {
    const userId = await newUser();
    assert.equal(await totp.savePending(userId, 'sealed-1'), true);
    assert.equal(await totp.claimStep(userId, 100, true), false, 'not enabled yet');
    assert.equal(await totp.claimStep(userId, 100, false), true, 'the first code of a pending factor');
    assert.equal(await totp.enable(userId, ['h1', 'h2']), true);
    assert.equal(
      await totp.savePending(userId, 'sealed-2'),
      false,
      'setup does not replace an enabled factor',
    );
    const claims = await Promise.all(Array.from({ length: 10 }, () => totp.claimStep(userId, 101, true)));
    assert.equal(claims.filter(Boolean).length, 1);
    assert.equal(await totp.claimStep(userId, 100, true), false, 'an older step never again');
    assert.equal((await totp.find(userId))?.lastStep, 101);
    assert.equal((await directory.findById(userId))?.mfaEnabled, true);
  });

  it('uses a recovery code once, and drops everything with the account', async () => {
    const userId = await newUser();
    await totp.savePending(userId, 'sealed');
    await totp.enable(userId, ['r1', 'r2']);
    const uses = await Promise.all([totp.useRecoveryCode(userId, 'r1'), totp.useRecoveryCode(userId, 'r1')]);
    assert.deepEqual(uses.sort(), [false, true]);
    assert.deepEqual(await totp.unusedRecoveryCodes(userId), ['r2']);
    await links.issue('password_reset', { userId, email: 'c@example.test' }, 60);
    assert.equal(await directory.deleteAccount(userId), true);
    assert.equal(await totp.find(userId), null);
    assert.deepEqual(await totp.unusedRecoveryCodes(userId), []);
    assert.equal(await links.revokeAll('password_reset', userId), 0);
  });
});
