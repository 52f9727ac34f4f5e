/**
 * A non-idempotent script whose reply is lost must run exactly once: the pool may not
 * retry it. A TCP proxy between the pool and redis-server loses the reply, either by
 * blackholing it (the command times out) or by resetting the connection after Redis
 * executed the command (the connection drops after the write).
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, beforeEach, describe, test } from 'node:test';
import { StoreTimeoutError, StoreUnavailableError } from '../../src/errors.js';
import { createPool, defineScript, type ManagedRedisPool } from '../../src/redis/index.js';
import { poolConfig } from '../helpers/pool-config.js';
import { startRedis, type RedisServerHandle } from '../helpers/redis-server.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { waitFor } from '../helpers/wait.js';

/** A rotation-like script: bump the generation, return the new value. */
const rotate = defineScript(
  'rotate',
  "local g = redis.call('INCR', KEYS[1]); redis.call('SET', KEYS[2], ARGV[1]); return g",
  2,
);
const KEYS = ['tg:gen:{u1}', 'tg:cur:{u1}'];

describe('lost replies are never blindly retried', () => {
  let redis: RedisServerHandle;
  let proxy: TcpProxy;
  let pool: ManagedRedisPool;

  before(async () => {
    redis = await startRedis();
    proxy = await startTcpProxy(redis.port);
    // One connection so every command and its retries take the proxied path we break.
    pool = createPool(
      poolConfig(proxy.port, { poolSize: 1, commandTimeoutMs: 300, healthCheckTimeoutMs: 200 }),
    );
    await pool.connect();
    // Load the script so EVALSHA runs (a NOSCRIPT round trip would change nothing here).
    await pool.script(rotate, KEYS, ['warmup']);
  });
  beforeEach(async () => {
    proxy.blackhole(false);
    await redis.cli('SET', KEYS[0]!, '0');
    // Wait for the pool to be usable again after the previous test broke its connection.
    await waitFor(() => pool.isHealthy(), {
      timeoutMs: 15_000,
      intervalMs: 10,
      what: 'the pool recovered between tests',
    });
  });
  after(async () => {
    await pool.close();
    await proxy.close();
    await redis.stop();
  });

  test('reply blackholed: StoreTimeoutError, applied exactly once, no retry', async () => {
    const retries = pool.stats().retries_total;
    proxy.blackhole(true);
    const t0 = Date.now();
    const err = await pool.script(rotate, KEYS, ['a']).catch((e: unknown) => e);
    const ms = Date.now() - t0;
    assert.ok(err instanceof StoreTimeoutError, String(err));
    // At the 300 ms command timeout, not before; the upper bound allows a busy machine's
    // late timers.
    assert.ok(ms >= 280 && ms < 300 + 5000, `timed out after ${ms} ms`);
    // Long enough for any retry (8 + 32 + 128 ms of backoff) to have landed, even with
    // late timers.
    await sleep(1500);
    assert.equal(await redis.cli('GET', KEYS[0]!), '1');
    assert.equal(await redis.cli('GET', KEYS[1]!), 'a');
    assert.equal(pool.stats().retries_total, retries);
  });

  test('connection reset after the write: disconnected error, applied exactly once', async () => {
    const retries = pool.stats().retries_total;
    proxy.cutOnNextReply();
    const err = await pool.script(rotate, KEYS, ['b']).catch((e: unknown) => e);
    assert.ok(err instanceof StoreUnavailableError, String(err));
    assert.equal(err.reason, 'disconnected');
    await sleep(1500); // as above: any retry would have landed by now
    assert.equal(await redis.cli('GET', KEYS[0]!), '1');
    assert.equal(await redis.cli('GET', KEYS[1]!), 'b');
    assert.equal(pool.stats().retries_total, retries);
  });

  test('the same loss on a command marked idempotent is retried and succeeds', async () => {
    const retries = pool.stats().retries_total;
    proxy.cutOnNextReply();
    const reply = await pool.command(['SET', 'idem', 'v'], { idempotent: true });
    assert.equal(reply, 'OK');
    assert.ok(pool.stats().retries_total > retries);
    assert.equal(await redis.cli('GET', 'idem'), 'v');
  });

  test('control: a script wrongly marked idempotent is retried, so it runs twice', async () => {
    proxy.cutOnNextReply();
    const reply = await pool.script(rotate, KEYS, ['c'], { idempotent: true });
    assert.equal(reply, 2);
    assert.equal(await redis.cli('GET', KEYS[0]!), '2');
  });
});
