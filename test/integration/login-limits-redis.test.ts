/**
 * The login-limit suite on Redis, plus what only Redis can show: a refused login
 * creates no key, and logins that fail for a server-side reason (a frozen Redis, a
 * shed password check) are never counted as guesses.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { composeTestApp, type TestApp } from '../helpers/app.js';
import { call, PASSWORD, register } from '../helpers/http.js';
import { LIMITS_ENV, loginLimitsSuite } from '../helpers/login-limits-suite.js';
import { startRedis, type RedisServerHandle } from '../helpers/redis-server.js';
import { waitFor } from '../helpers/wait.js';

let redis: RedisServerHandle;
before(async () => {
  redis = await startRedis();
});
after(async () => redis?.stop());

loginLimitsSuite('redis store', () => composeTestApp({ REDIS_URL: redis.url, ...LIMITS_ENV }));

describe('login limits on Redis: what is (not) written', () => {
  let t: TestApp;
  before(async () => {
    t = await composeTestApp({
      REDIS_URL: redis.url,
      ...LIMITS_ENV,
      REDIS_COMMAND_TIMEOUT_MS: '300',
      REDIS_HEALTH_CHECK_INTERVAL: '1',
    });
  });
  after(async () => t?.close());

  const login = (email: string, password: string, ip: string) =>
    call(t.target, 'POST', '/auth/login', { body: { email, password }, headers: { 'x-forwarded-for': ip } });
  const dbsize = async (): Promise<number> => Number(await redis.cli('DBSIZE'));

  it('a login refused by a reached limit writes no key, whatever email it names', async () => {
    const ip = '192.0.2.10';
    const e = `blocked-${randomUUID().slice(0, 8)}@example.test`;
    await register(t.target, e);
    // Ten wrong guesses on ten accounts reach the address' limit.
    for (let i = 0; i < 10; i++) {
      assert.equal((await login(`guess-${i}-${e}`, 'wrong guess!', ip)).status, 401);
    }
    assert.equal((await login(e, PASSWORD, ip)).status, 429);
    const before = await dbsize();
    for (let i = 0; i < 200; i++) {
      const r = await login(`nobody-${i}@example.test`, 'wrong guess!', ip);
      assert.equal(r.status, 429);
    }
    assert.equal(await dbsize(), before, 'no new keys for refused logins');
  });

  it('a login that got 503 while Redis was frozen is not counted', async () => {
    const ip = '192.0.2.20';
    const e = `frozen-${randomUUID().slice(0, 8)}@example.test`;
    await register(t.target, e);
    redis.pause();
    try {
      const during = await Promise.all(Array.from({ length: 6 }, () => login(e, 'wrong guess!', ip)));
      for (const r of during) assert.equal(r.status, 503);
    } finally {
      redis.resume();
    }
    await waitFor(async () => (await call(t.target, 'GET', '/health/ready')).status === 200, {
      what: 'Redis back',
    });
    // All three allowed guesses are still there.
    for (let i = 0; i < 3; i++) assert.equal((await login(e, 'wrong guess!', ip)).status, 401);
    assert.equal((await login(e, 'wrong guess!', ip)).status, 429);
  });
});

describe('logins shed for overload are not counted', () => {
  let t: TestApp;
  before(async () => {
    t = await composeTestApp({
      REDIS_URL: redis.url,
      ...LIMITS_ENV,
      PASSWORD_HASH_CONCURRENCY: '1',
      PASSWORD_HASH_QUEUE: '0',
      // Limits out of reach: a 429 refused before its check (not counted, by design) would
      // blur which answers were judged; here every answer is a judged 401 or a 503.
      LOGIN_MAX_FAILURES_PER_ACCOUNT_IP: '100',
      LOGIN_MAX_FAILURES_PER_IP: '100',
    });
  });
  after(async () => t?.close());

  it('503 overloaded leaves the failure counters untouched', async () => {
    const ip = '192.0.2.30';
    const e = `shed-${randomUUID().slice(0, 8)}@example.test`;
    await register(t.target, e);
    const burst = await Promise.all(
      Array.from({ length: 12 }, () =>
        call(t.target, 'POST', '/auth/login', {
          body: { email: e, password: 'wrong guess!' },
          headers: { 'x-forwarded-for': ip },
        }),
      ),
    );
    const shed = burst.filter((r) => r.status === 503);
    assert.ok(shed.length > 0, 'some were shed');
    for (const r of shed) {
      assert.equal(r.body.error, 'overloaded');
      // Retry-After: the predicted wait for a slot, in whole seconds.
      assert.ok(Number(r.headers['retry-after']) >= 1, `Retry-After ${r.headers['retry-after']}`);
    }
    const counted = burst.filter((r) => r.status === 401).length;
    assert.equal(counted, 12 - shed.length, 'every answer a judged 401 or a 503');
    const failures = Number(await redis.cli('GET', `tg:rl:aip:${e}|${ip}`));
    assert.equal(failures, counted, 'only judged passwords are counted');
  });
});
