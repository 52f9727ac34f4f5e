/**
 * Accounts in PostgreSQL, sessions in Redis: the account API on that pair, what each
 * outage does (PostgreSQL down: 503 where accounts are needed, verification keeps
 * working, recovery by itself; Redis restarted empty: sessions are gone, accounts are
 * not), and the import of accounts kept in Redis by earlier installations.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { importRedisUsers } from '../../src/persistence/directory/import-redis.js';
import { accountsSuite } from '../helpers/accounts-suite.js';
import { composeTestApp, type TestApp } from '../helpers/app.js';
import { call, login, PASSWORD, registerAndLogin } from '../helpers/http.js';
import { startPostgres, type PostgresHandle } from '../helpers/postgres-server.js';
import { startRedis, type RedisServerHandle } from '../helpers/redis-server.js';
import { waitFor } from '../helpers/wait.js';

let redis: RedisServerHandle;
let pg: PostgresHandle;
before(async () => {
  [redis, pg] = await Promise.all([startRedis(), startPostgres()]);
});
after(async () => {
  await redis?.stop();
  await pg?.stop();
});

accountsSuite('Redis, PostgreSQL', () => composeTestApp({ REDIS_URL: redis.url, DATABASE_URL: pg.url }));

describe('outages of either store', () => {
  let t: TestApp;
  before(async () => {
    t = await composeTestApp({
      REDIS_URL: redis.url,
      DATABASE_URL: pg.url,
      DATABASE_CONNECT_TIMEOUT_MS: '500',
      DATABASE_STATEMENT_TIMEOUT_MS: '500',
      REDIS_HEALTH_CHECK_INTERVAL: '1',
    });
  });
  after(async () => t?.close());

  it('PostgreSQL down: 503 unavailable where accounts are needed, verification keeps working, then recovery', async () => {
    const e = `pgdown-${randomUUID().slice(0, 8)}@example.test`;
    const s = await registerAndLogin(t.target, e);
    await pg.kill();
    try {
      const t0 = Date.now();
      const r = await call(t.target, 'POST', '/auth/login', { body: { email: e, password: PASSWORD } });
      assert.equal(r.status, 503, r.text);
      assert.equal(r.body.error, 'unavailable');
      assert.match(String(r.body.message), /accounts database/);
      assert.equal(r.headers['retry-after'], '1');
      // Bounded by the 500 ms connect and statement timeouts; the rest allows a busy
      // machine's late timers.
      assert.ok(Date.now() - t0 < 10_000, `bounded (${Date.now() - t0} ms)`);
      assert.equal((await call(t.target, 'GET', '/auth/me', { token: s.access })).status, 503);
      assert.equal(
        (await call(t.target, 'GET', '/api/protected', { token: s.access })).status,
        200,
        'verify needs no SQL',
      );
      const health = await call(t.target, 'GET', '/health');
      assert.equal(health.body.status, 'degraded');
      assert.deepEqual(health.body.database, { connected: false });
    } finally {
      await pg.restart();
    }
    await waitFor(
      async () =>
        (await call(t.target, 'POST', '/auth/login', { body: { email: e, password: PASSWORD } })).status ===
        200,
      {
        timeoutMs: 15_000,
        what: 'logins to work again',
      },
    );
  });

  it('Redis restarted without persistence: sessions are gone, the account still logs in, its email stays taken', async () => {
    const e = `redisloss-${randomUUID().slice(0, 8)}@example.test`;
    const s = await registerAndLogin(t.target, e);
    await redis.restart();
    await waitFor(async () => (await call(t.target, 'GET', '/health/ready')).status === 200, {
      what: 'Redis back',
    });
    assert.equal((await call(t.target, 'GET', '/api/protected', { token: s.access })).status, 401);
    await login(t.target, e);
    const again = await call(t.target, 'POST', '/auth/register', { body: { email: e, password: PASSWORD } });
    assert.equal(again.status, 409);
  });
});

describe('import of accounts kept in Redis', () => {
  it('copies tg:user:* records, keeps their ids, and is idempotent', async () => {
    const t = await composeTestApp({
      REDIS_URL: redis.url,
      DATABASE_URL: await pg.createDatabase('import_test'),
    });
    try {
      const hash = await t.composition.app
        .inject({ method: 'GET', url: '/' })
        .then(
          () => '$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g',
        );
      const ids = [randomUUID(), randomUUID()];
      await redis.cli(
        'SET',
        'tg:user:legacy-a@example.test',
        JSON.stringify({
          id: ids[0],
          email: 'legacy-a@example.test',
          passwordHash: hash,
          createdAt: 1_700_000_000_000,
        }),
      );
      await redis.cli(
        'SET',
        'tg:user:legacy-b@example.test',
        JSON.stringify({
          id: ids[1],
          email: 'legacy-b@example.test',
          passwordHash: hash,
          createdAt: 1_700_000_000_000,
        }),
      );
      await redis.cli('SET', 'tg:user:broken@example.test', 'not json');
      const first = await importRedisUsers(t.composition.pool!, t.composition.directory);
      assert.deepEqual(first, { found: 3, imported: 2, existing: 0, skipped: 1 });
      const a = await t.composition.directory.findByEmail('legacy-a@example.test');
      assert.equal(a?.id, ids[0]);
      assert.equal(a?.createdAt.getTime(), 1_700_000_000_000);
      const second = await importRedisUsers(t.composition.pool!, t.composition.directory);
      assert.deepEqual(second, { found: 3, imported: 0, existing: 2, skipped: 1 });
    } finally {
      await t.close();
    }
  });
});
