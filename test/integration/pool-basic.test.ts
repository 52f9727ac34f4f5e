import assert from 'node:assert/strict';
import diagnostics_channel from 'node:diagnostics_channel';
import { after, before, describe, test } from 'node:test';
import { PoolExhaustedError, StoreTimeoutError, StoreUnavailableError } from '../../src/errors.js';
import {
  COMMAND_CHANNEL,
  POOL_EVENTS_CHANNEL,
  createPool,
  defineScript,
  type CommandEvent,
  type ManagedRedisPool,
  type PoolEvent,
} from '../../src/redis/index.js';
import { freePort } from '../helpers/ports.js';
import { connectAll, poolConfig } from '../helpers/pool-config.js';
import { startRedis, type RedisServerHandle } from '../helpers/redis-server.js';

const incr = defineScript('incr', "return redis.call('INCR', KEYS[1])", 1);

describe('pool basics (real redis-server)', () => {
  let redis: RedisServerHandle;
  const pools: ManagedRedisPool[] = [];
  const track = (p: ManagedRedisPool) => (pools.push(p), p);

  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await Promise.all(pools.map((p) => p.close()));
    await redis.stop();
  });

  for (const poolMode of ['multiplexed', 'exclusive'] as const) {
    test(`${poolMode}: commands, replies and stats`, async () => {
      const pool = track(
        createPool(
          poolConfig(redis.port, { poolMode, poolSize: 3, maxPending: 500, acquireTimeoutMs: 5000 }),
          {
            name: poolMode,
          },
        ),
      );
      await connectAll(pool);
      assert.equal(await pool.command(['SET', `${poolMode}:a`, 'v'], { idempotent: true }), 'OK');
      assert.equal(await pool.command(['GET', `${poolMode}:a`]), 'v');
      assert.equal(await pool.command(['EXISTS', `${poolMode}:a`]), 1);
      assert.equal(await pool.command(['GET', `${poolMode}:missing`]), null);
      assert.deepEqual(await pool.command(['MGET', `${poolMode}:a`, `${poolMode}:missing`]), ['v', null]);
      const replies = await Promise.all(
        Array.from({ length: 200 }, () => pool.command(['INCR', `${poolMode}:n`], { idempotent: false })),
      );
      assert.equal(replies.length, 200);
      assert.equal(await pool.command(['GET', `${poolMode}:n`]), '200');

      const s = pool.stats();
      assert.equal(s.max_connections, 3);
      assert.equal(s.open, 3);
      assert.equal(s.in_use, 0);
      assert.equal(s.available_connections, 3);
      assert.equal(s.pending, 0);
      assert.equal(s.utilization_percent, 0);
      assert.equal(s.commands_in_flight, 0);
      assert.equal(s.commands_total, 206);
      assert.equal(s.errors_total, 0);
      assert.equal(s.mode, poolMode);
      assert.equal(s.healthy, true);
      assert.equal(s.command_latency_ms.count, 206);
      assert.ok(s.command_latency_ms.p99 >= s.command_latency_ms.p50);
      assert.equal(pool.isHealthy(), true);
    });
  }

  test('exclusive mode never puts two commands on one connection', async () => {
    const pool = track(
      createPool(poolConfig(redis.port, { poolMode: 'exclusive', poolSize: 2, acquireTimeoutMs: 5000 })),
    );
    await connectAll(pool);
    // Two slow scripts hold both connections; a third caller must queue, not pipeline.
    const slow = defineScript(
      'slow',
      "local t = redis.call('TIME'); while true do local n = redis.call('TIME'); if (n[1]-t[1])*1000000 + (n[2]-t[2]) > 100000 then return 1 end end",
      0,
    );
    const a = pool.script(slow, [], []);
    const b = pool.script(slow, [], []);
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(pool.stats().in_use, 2);
    assert.equal(pool.stats().utilization_percent, 100);
    const c = pool.command(['PING']);
    assert.equal(pool.stats().pending, 1);
    assert.deepEqual(await Promise.all([a, b]), [1, 1]);
    assert.equal(await c, 'PONG');
  });

  test('scripts: EVALSHA, NOSCRIPT falls back to EVAL, key count is checked', async () => {
    const pool = track(createPool(poolConfig(redis.port)));
    await pool.connect();
    await redis.cli('SCRIPT', 'FLUSH');
    assert.equal(await pool.script(incr, ['script:c'], []), 1); // NOSCRIPT -> EVAL
    assert.equal(await redis.cli('SCRIPT', 'EXISTS', incr.sha1), '1');
    assert.equal(await pool.script(incr, ['script:c'], []), 2); // EVALSHA
    assert.equal(await redis.cli('GET', 'script:c'), '2');
    await assert.rejects(pool.script(incr, [], []), TypeError);
    assert.equal(pool.stats().errors_total, 0);
    assert.equal(incr.sha1.length, 40);
  });

  test('a Redis error reply is a StoreUnavailableError("error") carrying the reply', async () => {
    const pool = track(createPool(poolConfig(redis.port)));
    await pool.connect();
    await pool.command(['SET', 'err:s', 'x']);
    const err = await pool.command(['HGET', 'err:s', 'f']).catch((e: unknown) => e);
    assert.ok(err instanceof StoreUnavailableError);
    assert.equal(err.reason, 'error');
    assert.match((err.cause as Error).message, /^WRONGTYPE/);
    assert.equal(pool.stats().retries_total, 0);
  });

  test('pool exhaustion: bounded queue and acquire timeout give PoolExhaustedError, counted', async () => {
    const pool = track(
      createPool(
        poolConfig(redis.port, {
          poolMode: 'exclusive',
          poolSize: 1,
          maxPending: 2,
          acquireTimeoutMs: 100,
          commandTimeoutMs: 10_000,
        }),
      ),
    );
    await pool.connect();
    // The connection is busy for 2 s: long enough that the 100 ms acquire timeouts fire
    // first however late a loaded machine runs timers.
    const slow = defineScript(
      'slow2000',
      "local t = redis.call('TIME'); while true do local n = redis.call('TIME'); if (n[1]-t[1])*1000000 + (n[2]-t[2]) > 2000000 then return 1 end end",
      0,
    );
    const busy = pool.script(slow, [], []);
    const t0 = Date.now();
    const results = await Promise.allSettled([
      pool.command(['PING']),
      pool.command(['PING']),
      pool.command(['PING']), // queue full: rejected at once
    ]);
    const elapsed = Date.now() - t0;
    assert.ok(results.every((r) => r.status === 'rejected' && r.reason instanceof PoolExhaustedError));
    assert.ok(elapsed < 1_900, `exhaustion took ${elapsed} ms: before the connection was free`);
    const s = pool.stats();
    assert.equal(s.exhausted_total, 3);
    assert.equal(s.acquire_timeouts_total, 2);
    assert.equal(s.pending, 0);
    assert.equal(await busy, 1);
  });

  test('close(): queued and new commands fail with reason "closed"; timers cleared', async () => {
    const pool = track(createPool(poolConfig(redis.port, { poolMode: 'exclusive', poolSize: 1 })));
    await pool.connect();
    const slow = defineScript(
      'slow100',
      "local t = redis.call('TIME'); while true do local n = redis.call('TIME'); if (n[1]-t[1])*1000000 + (n[2]-t[2]) > 100000 then return 1 end end",
      0,
    );
    await redis.cli('SCRIPT', 'LOAD', slow.source);
    const busy = pool.script(slow, [], []);
    const queued = pool.command(['PING']).catch((e: unknown) => e);
    await pool.close();
    const err = await queued;
    assert.ok(err instanceof StoreUnavailableError && err.reason === 'closed');
    assert.equal(await busy, 1); // in flight at close: finished within the grace period
    const after = await pool.command(['PING']).catch((e: unknown) => e);
    assert.ok(after instanceof StoreUnavailableError && after.reason === 'closed');
    await assert.rejects(
      pool.connect(),
      (e: unknown) => e instanceof StoreUnavailableError && e.reason === 'closed',
    );
    assert.equal(pool.isHealthy(), false);
  });

  test('diagnostics channels: lifecycle events and command timings, each naming its pool', async () => {
    const events: PoolEvent[] = [];
    const commands: CommandEvent[] = [];
    const onEvent = (m: unknown) => events.push(m as PoolEvent);
    const onCommand = (m: unknown) => commands.push(m as CommandEvent);
    diagnostics_channel.subscribe(POOL_EVENTS_CHANNEL, onEvent);
    diagnostics_channel.subscribe(COMMAND_CHANNEL, onCommand);
    try {
      const pool = track(createPool(poolConfig(redis.port, { poolSize: 1 }), { name: 'diag' }));
      await pool.connect();
      await pool.command(['SET', 'diag', 'secret-value']);
      await pool.command(['INCR', 'diag']).catch(() => undefined); // ERR: the value is not an integer
      await pool.checkHealth();
      await pool.close();
      const mine = events.filter((e) => e.source === pool).map((e) => e.type);
      assert.deepEqual(mine, ['connection_ready', 'connected', 'closed']);
      assert.ok(events.filter((e) => e.source === pool).every((e) => e.pool === 'diag'));
      const cmds = commands.filter((c) => c.source === pool);
      assert.deepEqual(
        cmds.map((c) => [c.command, c.error]),
        [
          ['SET', undefined],
          ['INCR', 'error'],
        ],
      );
      assert.ok(cmds.every((c) => c.durationMs >= 0 && c.pool === 'diag'));
      const texts = JSON.stringify(cmds.map(({ source: _source, ...rest }) => rest));
      assert.ok(!texts.includes('secret-value'), 'no arguments in events');
    } finally {
      diagnostics_channel.unsubscribe(POOL_EVENTS_CHANNEL, onEvent);
      diagnostics_channel.unsubscribe(COMMAND_CHANNEL, onCommand);
    }
  });

  test('commands before connect() fail fast as disconnected', async () => {
    // A long connect timeout, so that "fast" means "without waiting for a connection".
    const pool = track(createPool(poolConfig(redis.port, { connectTimeoutMs: 20_000 })));
    const t0 = Date.now();
    const err = await pool.command(['PING']).catch((e: unknown) => e);
    assert.ok(err instanceof StoreUnavailableError && err.reason === 'disconnected');
    assert.ok(Date.now() - t0 < 5_000);
  });

  test('unreachable host: connect() rejects clearly within the connect timeout', async () => {
    const port = await freePort();
    const pool = track(createPool(poolConfig(port, { connectTimeoutMs: 20_000 })));
    const t0 = Date.now();
    const err = await pool.connect().catch((e: unknown) => e);
    assert.ok(err instanceof StoreUnavailableError, String(err));
    assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port}.*ECONNREFUSED`));
    assert.ok(Date.now() - t0 < 5_000, 'refused at once, not after the connect timeout');
  });

  test('frozen server at connect: connect() times out (handshake bounded too)', async () => {
    const frozen = await startRedis();
    try {
      frozen.pause();
      const pool = track(createPool(poolConfig(frozen.port, { connectTimeoutMs: 300 })));
      const t0 = Date.now();
      const err = await pool.connect().catch((e: unknown) => e);
      const elapsed = Date.now() - t0;
      assert.ok(err instanceof StoreTimeoutError, String(err));
      // At the connect timeout, not before; the upper bound allows for a busy machine's late timers.
      assert.ok(elapsed >= 280 && elapsed < 5_000, `took ${elapsed} ms`);
    } finally {
      await frozen.stop();
    }
  });
});

describe('pool authentication', () => {
  let redis: RedisServerHandle;
  const pools: ManagedRedisPool[] = [];
  before(async () => {
    redis = await startRedis({ password: 's3cret-test-pass' });
  });
  after(async () => {
    await Promise.all(pools.map((p) => p.close()));
    await redis.stop();
  });

  test('wrong password: connect() rejects naming authentication, without the password', async () => {
    const pool = createPool(poolConfig(redis.port, { password: 'wrong-pass' }));
    pools.push(pool);
    const err = await pool.connect().catch((e: unknown) => e);
    assert.ok(err instanceof StoreUnavailableError, String(err));
    assert.match(err.message, /authentication/i);
    assert.doesNotMatch(err.message, /wrong-pass|s3cret/);
    assert.equal(pool.stats().open, 0);
  });

  test('no password against a protected server: connect() rejects naming authentication', async () => {
    const pool = createPool(poolConfig(redis.port));
    pools.push(pool);
    const err = await pool.connect().catch((e: unknown) => e);
    assert.ok(err instanceof StoreUnavailableError, String(err));
    assert.match(err.message, /authentication/i);
  });

  test('right password and db: works', async () => {
    const pool = createPool(poolConfig(redis.port, { password: 's3cret-test-pass', db: 3 }));
    pools.push(pool);
    await pool.connect();
    await pool.command(['SET', 'db3key', '1']);
    assert.equal(await redis.cli('-n', '3', 'GET', 'db3key'), '1');
  });
});
