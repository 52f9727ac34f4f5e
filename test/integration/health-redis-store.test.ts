/**
 * What /health and /health/redis say of the Redis store: its name, the server reached
 * (commands processed, its state as the watch read it), and 503 `unavailable` /
 * `unhealthy` while Redis is gone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { composeTestApp, type TestApp } from '../helpers/app.js';
import { call } from '../helpers/http.js';
import { startRedis, type RedisServerHandle } from '../helpers/redis-server.js';

const OPS = 'ops-token-for-tests-0123';

describe('health on the Redis store', () => {
  let redis: RedisServerHandle;
  let t: TestApp;
  before(async () => {
    redis = await startRedis();
    t = await composeTestApp({
      REDIS_URL: redis.url,
      OPS_TOKEN: OPS,
      REDIS_COMMAND_TIMEOUT_MS: '400',
      REDIS_CONNECT_TIMEOUT_MS: '500',
    });
  });
  after(async () => {
    await t?.close();
    await redis?.stop();
  });

  it('/health names Redis, reached, with the watched state', async () => {
    const r = await call(t.target, 'GET', '/health');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.store, 'redis');
    const part = r.body.redis as Record<string, unknown>;
    assert.equal(part.connected, true);
    assert.ok(Number(part.commands_processed) > 0, `commands_processed ${String(part.commands_processed)}`);
    assert.equal(part.revocations_confirmed, true);
  });

  it('/health/redis names Redis, healthy, with the server state', async () => {
    const r = await call(t.target, 'GET', '/health/redis', { token: OPS });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.store, 'redis');
    assert.equal(r.body.healthy, true);
    assert.notEqual(r.body.status, 'not_configured');
    assert.equal((r.body.redis as Record<string, unknown>).revocations_confirmed, true);
    assert.ok(
      !(r.body.warnings as string[]).some((w) => /Redis is not configured/.test(w)),
      (r.body.warnings as string[]).join(' | '),
    );
  });

  it('answers 503 on both while Redis is gone', async () => {
    await redis.kill();
    const h = await call(t.target, 'GET', '/health');
    assert.equal(h.status, 503, h.text);
    assert.equal(h.body.status, 'unavailable');
    assert.equal(h.body.error, 'unavailable');
    assert.equal(h.body.store, 'redis');
    assert.equal((h.body.redis as Record<string, unknown>).connected, false);
    const hr = await call(t.target, 'GET', '/health/redis', { token: OPS });
    assert.equal(hr.status, 503, hr.text);
    assert.equal(hr.body.status, 'unhealthy');
    assert.equal(hr.body.healthy, false);
  });
});
