/**
 * Fail closed: with Redis gone or frozen, everything that needs the store answers 503
 * `unavailable` with Retry-After within the command timeout — never 200, never 500,
 * never a hang — and the service recovers by itself when Redis returns.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type TestApp, startTestApp } from '../helpers/app.js';
import { call, PASSWORD, registerAndLogin, type HttpResult } from '../helpers/http.js';
import { waitFor } from '../helpers/wait.js';
import { startRedis, type RedisServerHandle } from '../helpers/redis-server.js';

const COMMAND_TIMEOUT_MS = 400;

describe('fail closed when Redis is unavailable', () => {
  let redis: RedisServerHandle;
  let app: TestApp;

  before(async () => {
    redis = await startRedis();
    app = await startTestApp({
      REDIS_URL: redis.url,
      REDIS_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS),
      REDIS_CONNECT_TIMEOUT_MS: '500',
      REDIS_HEALTH_CHECK_INTERVAL: '1',
    });
  });
  after(async () => {
    redis?.resume();
    await app?.close();
    await redis?.stop();
  });

  async function expectUnavailable(label: string, req: () => Promise<HttpResult>) {
    const t0 = Date.now();
    const r = await req();
    const elapsed = Date.now() - t0;
    assert.equal(r.status, 503, `${label}: status ${r.status} ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error, 'unavailable', label);
    assert.ok(Number(r.headers['retry-after']) >= 1, `${label}: Retry-After`);
    // Bounded: the command timeout plus scheduling slack on a shared 2-core machine.
    assert.ok(elapsed < COMMAND_TIMEOUT_MS * 4 + 1500, `${label}: answered in ${elapsed} ms`);
  }

  it('answers 503 while Redis is down and recovers when it returns', async () => {
    const email = `down-${randomUUID().slice(0, 8)}@example.test`;
    const s = await registerAndLogin(app.target, email);
    await redis.kill();

    await expectUnavailable('protected', () =>
      call(app.target, 'GET', '/api/protected', { token: s.access }),
    );
    await expectUnavailable('login', () =>
      call(app.target, 'POST', '/auth/login', { body: { email, password: PASSWORD } }),
    );
    await expectUnavailable('refresh', () =>
      call(app.target, 'POST', '/auth/refresh', { body: { refresh_token: s.refresh } }),
    );
    await expectUnavailable('logout', () => call(app.target, 'POST', '/auth/logout', { token: s.access }));
    await expectUnavailable('ready', () => call(app.target, 'GET', '/health/ready'));
    const health = await call(app.target, 'GET', '/health');
    assert.equal(health.status, 503);
    assert.equal((health.body.redis as Record<string, unknown>).connected, false);
    // Token checks that need no store still work: a forged token is still a 401, not a 503.
    assert.equal((await call(app.target, 'GET', '/api/protected', { token: 'a.b.c' })).status, 401);

    // Redis comes back empty (no persistence): the service reconnects by itself.
    await redis.restart();
    // Ready again by itself (the health check runs every second; the bound allows for a
    // busy machine).
    await waitFor(async () => (await call(app.target, 'GET', '/health/ready')).status === 200, {
      timeoutMs: 15_000,
      intervalMs: 50,
      what: 'readiness after Redis returned',
    });
    // The session was lost with Redis' memory: the old token must be refused, never accepted.
    assert.equal((await call(app.target, 'GET', '/api/protected', { token: s.access })).status, 401);
    const again = await registerAndLogin(app.target, email);
    assert.equal((await call(app.target, 'GET', '/api/protected', { token: again.access })).status, 200);
  });

  it('answers 503 at the command timeout while Redis is frozen (SIGSTOP), then recovers', async () => {
    const s = await registerAndLogin(app.target, `frozen-${randomUUID().slice(0, 8)}@example.test`);
    redis.pause();
    try {
      const results = await Promise.all(
        Array.from({ length: 10 }, async () => {
          const t0 = Date.now();
          const r = await call(app.target, 'GET', '/api/protected', { token: s.access });
          return { status: r.status, ms: Date.now() - t0, code: r.body.error };
        }),
      );
      for (const r of results) {
        assert.equal(r.status, 503);
        assert.equal(r.code, 'unavailable');
        assert.ok(r.ms >= COMMAND_TIMEOUT_MS - 50, `not before the timeout (${r.ms} ms)`);
        assert.ok(r.ms < COMMAND_TIMEOUT_MS * 4 + 1500, `bounded (${r.ms} ms)`);
      }
    } finally {
      redis.resume();
    }
    await waitFor(
      async () => (await call(app.target, 'GET', '/api/protected', { token: s.access })).status === 200,
      { timeoutMs: 5000, intervalMs: 50, what: 'the token accepted again after Redis resumed' },
    );
  });
});

describe('pool exhaustion through the API', () => {
  let redis: RedisServerHandle;
  let app: TestApp;
  const OPS = 'ops-token-for-tests-0123';

  before(async () => {
    redis = await startRedis();
    app = await startTestApp({
      REDIS_URL: redis.url,
      REDIS_POOL_MODE: 'exclusive',
      REDIS_POOL_SIZE: '1',
      REDIS_MAX_PENDING: '1',
      REDIS_ACQUIRE_TIMEOUT_MS: '200',
      REDIS_COMMAND_TIMEOUT_MS: '600',
      OPS_TOKEN: OPS,
    });
  });
  after(async () => {
    redis?.resume();
    await app?.close();
    await redis?.stop();
  });

  it('answers 503 unavailable with Retry-After when the pool is exhausted, and counts it', async () => {
    const s = await registerAndLogin(app.target, `exhaust-${randomUUID().slice(0, 8)}@example.test`);
    redis.pause();
    let results: HttpResult[];
    try {
      results = await Promise.all(
        Array.from({ length: 8 }, () => call(app.target, 'GET', '/api/protected', { token: s.access })),
      );
    } finally {
      redis.resume();
    }
    for (const r of results) {
      assert.equal(r.status, 503);
      assert.equal(r.body.error, 'unavailable');
      assert.ok(Number(r.headers['retry-after']) >= 1);
    }
    const health = await call(app.target, 'GET', '/health/redis', { token: OPS });
    const pool = health.body.pool as Record<string, number>;
    assert.ok(Number(pool.exhausted_total) >= 1, `exhausted_total ${pool.exhausted_total}`);
    const metrics = (await call(app.target, 'GET', '/metrics', { token: OPS })).text;
    const line = metrics.split('\n').find((l) => l.startsWith('tollgate_redis_pool_exhausted_total'));
    assert.ok(line && Number(line.split(' ').pop()) >= 1, `metric line: ${line}`);
    assert.match(
      metrics,
      /tollgate_dependency_unavailable_total\{dependency="session_store",reason="exhausted"\} [1-9]/,
    );
    // And it recovers: once Redis answers again, the same token is accepted.
    await waitFor(
      async () => (await call(app.target, 'GET', '/api/protected', { token: s.access })).status === 200,
      { timeoutMs: 3000, intervalMs: 50, what: 'the token accepted again after Redis resumed' },
    );
  });
});
