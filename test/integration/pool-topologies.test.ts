import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createPool, defineScript, type ManagedRedisPool } from '../../src/redis/index.js';
import { poolConfig } from '../helpers/pool-config.js';
import {
  startCluster,
  startSentinel,
  type ClusterHandle,
  type SentinelHandle,
} from '../helpers/redis-topology.js';

const bump = defineScript(
  'bump',
  "redis.call('SET', KEYS[2], ARGV[1]); return redis.call('INCR', KEYS[1])",
  2,
);

describe('Sentinel topology', () => {
  let topo: SentinelHandle;
  let pool: ManagedRedisPool;
  before(async () => {
    topo = await startSentinel();
  });
  after(async () => {
    await pool?.close();
    await topo?.stop();
  });

  test('connects through the sentinel, runs commands and scripts on the master', async () => {
    pool = createPool(
      poolConfig(0, {
        mode: 'sentinel',
        sentinels: [{ host: '127.0.0.1', port: topo.sentinelPort }],
        sentinelName: topo.masterName,
        poolSize: 2,
      }),
    );
    await pool.connect();
    assert.equal(await pool.command(['SET', 's:a', '1'], { idempotent: true }), 'OK');
    assert.equal(await pool.command(['GET', 's:a']), '1');
    await topo.master.cli('SCRIPT', 'FLUSH');
    assert.equal(await pool.script(bump, ['s:{u}:n', 's:{u}:v'], ['x']), 1);
    assert.equal(await pool.script(bump, ['s:{u}:n', 's:{u}:v'], ['y']), 2);
    assert.equal(await topo.master.cli('GET', 's:{u}:v'), 'y');
    await pool.checkHealth();
    const s = pool.stats();
    assert.equal(s.topology, 'sentinel');
    assert.equal(s.open, 2);
    assert.equal(s.health_check_failures_total, 0);
  });
});

describe('Sentinel failover', () => {
  let topo: SentinelHandle;
  let pool: ManagedRedisPool;
  before(async () => {
    topo = await startSentinel('failover', { replica: true });
  });
  after(async () => {
    await pool?.close();
    await topo?.stop();
  });

  test('after SENTINEL FAILOVER, writes reach the promoted replica', async () => {
    pool = createPool(
      poolConfig(0, {
        mode: 'sentinel',
        sentinels: [{ host: '127.0.0.1', port: topo.sentinelPort }],
        sentinelName: topo.masterName,
        poolSize: 2,
        healthCheckIntervalMs: 200,
      }),
    );
    await pool.connect();
    assert.equal(await pool.command(['SET', 'f:before', '1'], { idempotent: true }), 'OK');
    const replicaPort = String(topo.replica!.port);
    await topo.sentinel('SENTINEL', 'FAILOVER', topo.masterName);
    const t0 = Date.now();
    let wrote = false;
    while (Date.now() - t0 < 15_000 && !wrote) {
      const role = await topo.replica!.cli('ROLE').catch(() => '');
      if (role.startsWith('master')) {
        wrote = await pool
          .command(['SET', 'f:after', '2'], { idempotent: true })
          .then(() => true)
          .catch(() => false);
        if (wrote) wrote = (await topo.replica!.cli('GET', 'f:after')) === '2';
      }
      if (!wrote) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(wrote, `no write reached the promoted replica on ${replicaPort} within 15 s`);
  });
});

describe('Cluster topology', () => {
  let topo: ClusterHandle;
  let pool: ManagedRedisPool;
  before(async () => {
    topo = await startCluster();
  });
  after(async () => {
    await pool?.close();
    await topo?.stop();
  });

  test('routes commands and scripts by first key across shards', async () => {
    pool = createPool(
      poolConfig(0, {
        mode: 'cluster',
        clusterNodes: [{ host: '127.0.0.1', port: topo.nodes[0]!.port }],
        poolSize: 2,
      }),
    );
    await pool.connect();
    // Keys spread over all three shards.
    const keys = Array.from({ length: 30 }, (_, i) => `c:key:${i}`);
    for (const k of keys) assert.equal(await pool.command(['SET', k, k], { idempotent: true }), 'OK');
    for (const k of keys) assert.equal(await pool.command(['GET', k]), k);
    const perNode = await Promise.all(topo.nodes.map((n) => n.cli('DBSIZE')));
    assert.ok(
      perNode.every((n) => Number(n) > 0),
      `keys on every shard: ${perNode.join(',')}`,
    );
    // Scripts: every key in one slot via a hash tag; NOSCRIPT on a fresh node falls back to EVAL.
    for (const uid of ['u1', 'u2', 'u3', 'u4']) {
      assert.equal(await pool.script(bump, [`tg:{${uid}}:n`, `tg:{${uid}}:v`], ['x']), 1);
      assert.equal(await pool.script(bump, [`tg:{${uid}}:n`, `tg:{${uid}}:v`], ['y']), 2);
    }
    await pool.checkHealth();
    const s = pool.stats();
    assert.equal(s.topology, 'cluster');
    assert.equal(s.open, 2);
    assert.equal(s.errors_total, 0);
  });
});
