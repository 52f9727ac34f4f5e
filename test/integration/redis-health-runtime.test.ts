/**
 * Health sees the store as it is now, not as it was at start: persistence, eviction
 * policy, evictions and memory are read on the health-check cadence. An RDB-only Redis
 * is warned about (naming the risk) in /health and /health/redis; a
 * `CONFIG SET maxmemory-policy allkeys-lru` at run time degrades both with the reason
 * and shows in /metrics; so do real evictions.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { composeTestApp, type TestApp } from '../helpers/app.js';
import { call } from '../helpers/http.js';
import { sample } from '../helpers/metrics-text.js';
import { startRedis, type RedisServerHandle } from '../helpers/redis-server.js';

const OPS = 'ops-token-for-tests-0123';
let redis: RedisServerHandle;
let t: TestApp;

const health = () => call(t.target, 'GET', '/health');
const healthRedis = () => call(t.target, 'GET', '/health/redis', { token: OPS });
const metrics = async () => (await call(t.target, 'GET', '/metrics', { token: OPS })).text;

/** Polls `check` for at most 10 s (the health-check interval is 1 s); returns the last body. */
async function until(what: string, check: (body: Record<string, unknown>) => boolean) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const r = await health();
    if (check(r.body)) return r;
    if (Date.now() > deadline) assert.fail(`${what} not seen within 10 s: ${r.text}`);
    await delay(200);
  }
}

describe('health reads the store at run time', () => {
  before(async () => {
    redis = await startRedis({ extraArgs: ['--appendonly', 'no', '--save', '3600 1'] });
    t = await composeTestApp({ REDIS_URL: redis.url, OPS_TOKEN: OPS, REDIS_HEALTH_CHECK_INTERVAL: '1' });
  });
  after(async () => {
    await t?.close();
    await redis?.stop();
  });

  it('warns about RDB-only persistence, naming the risk, without degrading', async () => {
    const r = await health();
    assert.equal(r.status, 200);
    assert.equal(r.body.status, 'ok', r.text);
    assert.deepEqual(r.body.reasons, []);
    const warnings = r.body.warnings as string[];
    assert.ok(
      warnings.some((w) => /only RDB snapshots: a restart loses every write since the last snapshot/.test(w)),
      warnings.join(' | '),
    );
    const redisPart = r.body.redis as Record<string, unknown>;
    assert.equal(redisPart.persistence, 'rdb');
    assert.equal(redisPart.maxmemory_policy, 'noeviction');
    assert.equal(redisPart.revocations_confirmed, true);
    const m = await metrics();
    assert.equal(sample(m, 'tollgate_redis_persistence', { mode: 'rdb' }), 1);
    assert.equal(sample(m, 'tollgate_redis_persistence', { mode: 'aof' }), 0);
    assert.equal(sample(m, 'tollgate_redis_evicting_policy'), 0);
  });

  it('notices `CONFIG SET maxmemory-policy allkeys-lru` at run time: degraded, with the reason', async () => {
    await redis.cli('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru');
    const r = await until('the policy change', (b) => b.status === 'degraded');
    assert.equal(r.status, 200);
    assert.ok(
      (r.body.reasons as string[]).some((w) => /maxmemory-policy is allkeys-lru/.test(w)),
      r.text,
    );
    const hr = await healthRedis();
    assert.equal(hr.body.status, 'degraded', hr.text);
    assert.ok((hr.body.warnings as string[]).some((w) => /maxmemory-policy is allkeys-lru/.test(w)));
    assert.equal(sample(await metrics(), 'tollgate_redis_evicting_policy'), 1);

    await redis.cli('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
    await until('the policy change back', (b) => b.status === 'ok');
  });

  it('notices real evictions: degraded with their count, and counted in /metrics', async () => {
    const used = Number(/used_memory:(\d+)/.exec(await redis.cli('INFO', 'memory'))?.[1]);
    await redis.cli('CONFIG', 'SET', 'maxmemory', String(used + 2 * 1024 * 1024));
    await redis.cli('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru');
    // 4 MB of filler into a 2 MB margin: Redis must evict.
    const filler = 'x'.repeat(4096);
    for (let i = 0; i < 1000; i += 100) {
      const args = Array.from({ length: 100 }, (_, j) => [`filler:${i + j}`, filler]).flat();
      await redis.cli('MSET', ...args);
    }
    const evicted = Number(/evicted_keys:(\d+)/.exec(await redis.cli('INFO', 'stats'))?.[1]);
    assert.ok(evicted > 0, 'Redis evicted keys');
    const r = await until('the evictions', (b) =>
      ((b.reasons as string[] | undefined) ?? []).some((w) => /evicted \d+ keys/.test(w)),
    );
    assert.equal(r.body.status, 'degraded');
    let counted = 0;
    for (let i = 0; i < 50 && counted < evicted; i++) {
      counted = sample(await metrics(), 'tollgate_redis_evicted_keys_total');
      if (counted < evicted) await delay(200);
    }
    assert.ok(counted >= evicted, `tollgate_redis_evicted_keys_total ${counted}, Redis evicted ${evicted}`);
    await redis.cli('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
    await redis.cli('CONFIG', 'SET', 'maxmemory', '0');
  });
});
