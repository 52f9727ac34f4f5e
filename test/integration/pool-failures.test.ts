import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, test } from 'node:test';
import { StoreTimeoutError, StoreUnavailableError } from '../../src/errors.js';
import { createPool, type ManagedRedisPool } from '../../src/redis/index.js';
import { connectAll, poolConfig } from '../helpers/pool-config.js';
import { startRedis, type RedisServerHandle } from '../helpers/redis-server.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

/** Polls `fn` every 10 ms until it returns true; fails after `ms`. Returns elapsed ms. */
async function waitFor(what: string, ms: number, fn: () => boolean | Promise<boolean>): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (await fn()) return Date.now() - t0;
    await sleep(10);
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

const ok = (p: Promise<unknown>) =>
  p.then(
    () => true,
    () => false,
  );

describe('pool under failures (real redis-server)', () => {
  const servers: RedisServerHandle[] = [];
  const pools: ManagedRedisPool[] = [];
  const proxies: TcpProxy[] = [];
  after(async () => {
    await Promise.all(pools.map((p) => p.close()));
    await Promise.all(proxies.map((p) => p.close()));
    await Promise.all(servers.map((s) => s.stop()));
  });
  const server = async () => {
    const s = await startRedis();
    servers.push(s);
    return s;
  };

  test('Redis killed during traffic: typed errors fast, no hang, recovery by itself after restart', async () => {
    const redis = await server();
    const pool = createPool(poolConfig(redis.port, { poolSize: 4, commandTimeoutMs: 500 }));
    pools.push(pool);
    await pool.connect();

    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    let stop = false;
    let slowest = 0;
    const errors: unknown[] = [];
    const worker = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const t0 = Date.now();
        try {
          await pool.command(['SET', `w${w}`, String(i)], { idempotent: true });
        } catch (err) {
          errors.push(err);
          await sleep(5);
        }
        slowest = Math.max(slowest, Date.now() - t0);
      }
    };
    const workers = Promise.all(Array.from({ length: 16 }, (_, w) => worker(w)));
    try {
      await sleep(150);
      await redis.kill();
      await sleep(400);
      const t0 = Date.now();
      const err = await pool.command(['GET', 'w0']).catch((e: unknown) => e);
      const took = Date.now() - t0;
      assert.ok(err instanceof StoreUnavailableError, String(err));
      assert.equal(err.reason, 'disconnected');
      // Fails fast: no connection is up, so it is not even queued or retried.
      assert.ok(took < 2_000, `down command took ${took} ms`);
      assert.equal(pool.isHealthy(), false);

      await redis.restart();
      await waitFor('recovery', 15_000, () => ok(pool.command(['PING'])));
    } finally {
      stop = true;
      await workers;
    }
    assert.ok(errors.length > 0);
    assert.ok(
      errors.every((e) => e instanceof StoreUnavailableError),
      'every failure is a StoreUnavailableError',
    );
    // The design bound of one call: 1 + 3 attempts, each at most acquire + command timeout,
    // plus the retry backoff (8 + 32 + 128 ms). Nothing waits longer, whatever the load.
    const cfg = poolConfig(redis.port, { commandTimeoutMs: 500 });
    const bound = 4 * (cfg.acquireTimeoutMs + cfg.commandTimeoutMs) + 168;
    // Plus what the event loop itself was late (a busy machine), measured, not guessed.
    const late = loopDelay.max / 1e6;
    loopDelay.disable();
    assert.ok(
      slowest < bound + 2 * late,
      `slowest call took ${slowest} ms (bound ${bound} ms, loop late ${late.toFixed(0)} ms)`,
    );
    const s = pool.stats();
    assert.ok(s.reconnects_total > 0);
    assert.ok(s.errors_total > 0);
    await waitFor('all connections back', 15_000, () => pool.stats().open === 4);
  });

  test('Redis frozen (SIGSTOP): StoreTimeoutError at the command timeout, then recovery', async () => {
    const redis = await server();
    const pool = createPool(
      poolConfig(redis.port, {
        poolSize: 2,
        commandTimeoutMs: 300,
        healthCheckTimeoutMs: 200,
        connectTimeoutMs: 400,
      }),
    );
    pools.push(pool);
    await pool.connect();
    redis.pause();
    try {
      const t0 = Date.now();
      const results = await Promise.allSettled([
        pool.command(['GET', 'a'], { idempotent: true }),
        pool.command(['INCR', 'b']),
      ]);
      const elapsed = Date.now() - t0;
      for (const r of results) {
        assert.equal(r.status, 'rejected');
        assert.ok(r.reason instanceof StoreTimeoutError, String(r.reason));
      }
      // At the command timeout, not before; the upper bound allows for a busy machine's late timers.
      assert.ok(elapsed >= 290 && elapsed < 5_000, `timed out after ${elapsed} ms`);
      assert.equal(pool.stats().timeouts_total, 2);
      assert.equal(pool.stats().retries_total, 0); // timeouts are never retried
      // The timed-out connections are checked at once and leave rotation.
      await waitFor('health failure', 15_000, () => pool.stats().health_check_failures_total > 0);
      await waitFor('out of rotation', 15_000, () => !pool.isHealthy());
      const fast = await pool.command(['GET', 'a']).catch((e: unknown) => e);
      assert.ok(fast instanceof StoreUnavailableError && fast.reason === 'disconnected');
    } finally {
      redis.resume();
    }
    await waitFor('recovery after SIGCONT', 15_000, () => ok(pool.command(['PING'])));
    assert.ok(pool.stats().reconnects_total > 0);
  });

  test('health check finds a dead-but-open connection and reconnects it', async () => {
    const redis = await server();
    const proxy = await startTcpProxy(redis.port);
    proxies.push(proxy);
    const pool = createPool(
      poolConfig(proxy.port, {
        poolSize: 2,
        healthCheckIntervalMs: 100,
        healthCheckTimeoutMs: 150,
        connectTimeoutMs: 300,
      }),
    );
    pools.push(pool);
    await pool.connect();
    await waitFor('first health check', 15_000, () => pool.stats().last_health_check !== null);
    await waitFor('both connections up', 15_000, () => pool.stats().open === 2);
    const failuresBefore = pool.stats().health_check_failures_total;
    const accepted = proxy.accepted;

    proxy.blackhole(true); // sockets stay open, replies vanish
    await waitFor(
      'health failures',
      15_000,
      () => pool.stats().health_check_failures_total >= failuresBefore + 2,
    );
    assert.equal(pool.isHealthy(), false);
    const s = pool.stats();
    assert.ok(s.connections!.every((c) => c.state !== 'ready'));

    proxy.blackhole(false);
    await waitFor('reconnected', 15_000, () => pool.stats().open === 2);
    assert.ok(pool.stats().reconnects_total >= 2);
    assert.ok(proxy.accepted > accepted, 'new TCP connections were opened');
    assert.equal(await pool.command(['PING']), 'PONG');
    assert.equal(pool.isHealthy(), true);
  });

  test('CLIENT KILL of a pool connection: it is replaced, traffic continues', async () => {
    const redis = await server();
    const pool = createPool(poolConfig(redis.port, { poolSize: 2 }), { name: 'killme' });
    pools.push(pool);
    await connectAll(pool);
    const list = await redis.cli('CLIENT', 'LIST');
    const ids = list
      .split('\n')
      .filter((l) => l.includes('name=tollgate-killme-'))
      .map((l) => /id=(\d+)/.exec(l)![1]!);
    assert.equal(ids.length, 2);
    await redis.cli('CLIENT', 'KILL', 'ID', ids[0]!);
    // The other connection keeps serving while the killed one reconnects.
    for (let i = 0; i < 20; i++) assert.equal(await pool.command(['PING'], { idempotent: true }), 'PONG');
    await waitFor('replacement', 15_000, () => pool.stats().open === 2 && pool.stats().reconnects_total >= 1);
    const after = await redis.cli('CLIENT', 'LIST');
    assert.equal(after.split('\n').filter((l) => l.includes('name=tollgate-killme-')).length, 2);
  });
});
