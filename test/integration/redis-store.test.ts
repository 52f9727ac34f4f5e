import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { createPool } from '../../src/redis/index.js';
import type { RedisPool } from '../../src/redis/types.js';
import { keys } from '../../src/store/keys.js';
import { RedisStore } from '../../src/store/redis/redis-store.js';
import { keySlot } from '../helpers/keyslot.js';
import { storeContract } from '../helpers/store-contract.js';
import { startRedis, type RedisServerHandle } from '../helpers/redis-server.js';

let redis: RedisServerHandle;
let pool: RedisPool;
let store: RedisStore;

before(async () => {
  redis = await startRedis();
  const config = loadConfig({ REDIS_URL: redis.url, REDIS_POOL_SIZE: '2' }, { skipEnvFiles: true });
  pool = createPool(config.redis);
  await pool.connect();
  store = new RedisStore(pool);
});
after(async () => {
  await pool?.close();
  await redis?.stop();
});

storeContract('redis', {
  store: () => store,
  expire: (seconds) => new Promise((r) => setTimeout(r, seconds * 1000)),
});

describe('RedisStore layout', () => {
  it('keeps every key of a user under one hash tag and the tg: prefix', async () => {
    const uid = randomUUID();
    await store.createSession({
      uid,
      sid: 'k1',
      email: 'k@x.test',
      refreshHash: 'a'.repeat(64),
      ttlSeconds: 60,
      maxPerUser: 10,
      ip: '192.0.2.1',
      userAgent: 'test',
      auth: { authTime: 0, amr: [] },
    });
    await store.rotateRefresh({
      uid,
      sid: 'k1',
      presentedHash: 'a'.repeat(64),
      nextHash: 'b'.repeat(64),
      ttlSeconds: 60,
      retryGraceMs: 1000,
    });
    const found = (await redis.cli('--scan', '--pattern', `*${uid}*`)).split('\n').filter(Boolean).sort();
    assert.deepEqual(
      found,
      [
        keys.sessionOldHashes(uid, 'k1'),
        keys.session(uid, 'k1'),
        keys.userSessions(uid),
        keys.userGeneration(uid),
      ].sort(),
    );
    for (const k of found) {
      assert.ok(k.startsWith('tg:'));
      assert.ok(k.includes(`{${uid}}`));
    }
    assert.equal(keySlot('123456789'), 12739, 'CRC16 reference value');
    assert.equal(new Set(found.map(keySlot)).size, 1, 'one cluster slot');
  });

  it('stores only a hash of the refresh token and sets TTLs on everything', async () => {
    const uid = randomUUID();
    await store.createSession({
      uid,
      sid: 't1',
      email: 't@x.test',
      refreshHash: 'c'.repeat(64),
      ttlSeconds: 120,
      maxPerUser: 10,
      ip: '192.0.2.1',
      userAgent: 'test',
      auth: { authTime: 0, amr: [] },
    });
    const ttl = Number(await redis.cli('TTL', keys.session(uid, 't1')));
    assert.ok(ttl > 100 && ttl <= 120);
    assert.ok(Number(await redis.cli('TTL', keys.userSessions(uid))) > 100);
    assert.equal(await redis.cli('HGET', keys.session(uid, 't1'), 'rh'), 'c'.repeat(64));
  });
});

describe('RedisStore health', () => {
  it('reports the engine, reachable, and the commands the server processed', async () => {
    const before = Number(/total_commands_processed:(\d+)/.exec(await redis.cli('INFO', 'stats'))?.[1]);
    const health = await store.health();
    assert.equal(health.engine, 'redis');
    assert.ok(health.shared, 'Redis is shared by every worker');
    assert.equal(health.reachable, true);
    assert.ok(health.commandsProcessed > before, `${health.commandsProcessed} > ${before}`);
    assert.equal(health.state, undefined, 'not watched');
    assert.deepEqual(health.warnings, []);
  });

  it('reports unreachable, without throwing, when the server is gone', async () => {
    const gone = await startRedis();
    const config = loadConfig({ REDIS_URL: gone.url, REDIS_POOL_SIZE: '1' }, { skipEnvFiles: true });
    const gonePool = createPool(config.redis);
    const goneStore = new RedisStore(gonePool, gonePool, 60, { warnings: ['kept'] });
    try {
      await gonePool.connect();
      await gone.stop();
      const health = await goneStore.health();
      assert.ok(health.shared);
      assert.equal(health.reachable, false);
      assert.equal(health.commandsProcessed, 0);
      assert.deepEqual(health.warnings, ['kept']);
    } finally {
      await goneStore.close();
    }
  });
});
