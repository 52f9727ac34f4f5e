/**
 * The command timeout without a timer or AbortSignal per command, on every client kind
 * (standalone, Sentinel, Cluster): node-redis builds no `AbortSignal.timeout()` for the
 * pool's commands, yet a frozen Redis (SIGSTOP) still fails each command with
 * StoreTimeoutError at its own deadline, and the API answers 503 within the bound.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import type { RedisConfig } from '../../src/config/schema.js';
import { StoreTimeoutError } from '../../src/errors.js';
import { createPool, type ManagedRedisPool } from '../../src/redis/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { call, registerAndLogin } from '../helpers/http.js';
import { connectAll, poolConfig } from '../helpers/pool-config.js';
import { startRedis, type RedisServerHandle } from '../helpers/redis-server.js';
import { startCluster, startSentinel } from '../helpers/redis-topology.js';
import { waitFor } from '../helpers/wait.js';

const TIMEOUT_MS = 500;
/**
 * Late-side slack for a timer on a shared, loaded 2-core machine (timers there fire
 * hundreds of ms late). The lower bounds prove each command keeps its own deadline;
 * this bound proves none waits for anything but its deadline.
 */
const SLACK_MS = 5_000;

interface Topology {
  kind: 'standalone' | 'sentinel' | 'cluster';
  config: Partial<RedisConfig>;
  /** The environment of the same topology for the app. */
  env: Record<string, string>;
  /** Every data-bearing redis-server (frozen together). */
  servers: readonly RedisServerHandle[];
  stop(): Promise<void>;
}

async function topology(kind: Topology['kind']): Promise<Topology> {
  if (kind === 'sentinel') {
    const s = await startSentinel(`deadlines${randomUUID().slice(0, 6)}`);
    return {
      kind,
      config: {
        mode: 'sentinel',
        sentinels: [{ host: '127.0.0.1', port: s.sentinelPort }],
        sentinelName: s.masterName,
      },
      env: { REDIS_SENTINELS: `127.0.0.1:${s.sentinelPort}`, REDIS_SENTINEL_NAME: s.masterName },
      servers: [s.master],
      stop: () => s.stop(),
    };
  }
  if (kind === 'cluster') {
    const c = await startCluster();
    return {
      kind,
      config: { mode: 'cluster', clusterNodes: [{ host: '127.0.0.1', port: c.nodes[0]!.port }] },
      env: { REDIS_CLUSTER_NODES: c.nodes.map((n) => `127.0.0.1:${n.port}`).join(',') },
      servers: c.nodes,
      stop: () => c.stop(),
    };
  }
  const r = await startRedis();
  return {
    kind,
    config: { port: r.port },
    env: { REDIS_URL: r.url },
    servers: [r],
    stop: () => r.stop(),
  };
}

/** Counts `AbortSignal.timeout()` calls while `fn` runs. */
async function abortSignalsDuring(fn: () => Promise<void>): Promise<number> {
  const original = AbortSignal.timeout.bind(AbortSignal);
  let calls = 0;
  AbortSignal.timeout = (ms: number) => {
    calls++;
    return original(ms);
  };
  try {
    await fn();
  } finally {
    AbortSignal.timeout = original;
  }
  return calls;
}

for (const kind of ['standalone', 'sentinel', 'cluster'] as const) {
  describe(`command deadlines, ${kind} client`, () => {
    let topo: Topology;
    let pool: ManagedRedisPool;
    let app: TestApp | undefined;

    before(async () => {
      topo = await topology(kind);
      pool = createPool(
        poolConfig(0, {
          ...topo.config,
          poolSize: 2,
          commandTimeoutMs: TIMEOUT_MS,
          healthCheckTimeoutMs: 200,
          connectTimeoutMs: 3000,
        }),
      );
      await pool.connect();
    });
    after(async () => {
      for (const s of topo?.servers ?? []) s.resume();
      await app?.close();
      await pool?.close();
      await topo?.stop();
    });

    test('no AbortSignal per command: node-redis per-command timeout is off', async () => {
      const signals = await abortSignalsDuring(async () => {
        for (let batch = 0; batch < 10; batch++) {
          await Promise.all(
            Array.from({ length: 20 }, (_, i) =>
              pool.command(['EXISTS', `d:{k${i}}:x`], { idempotent: true }),
            ),
          );
        }
      });
      assert.equal(signals, 0, `${signals} AbortSignal.timeout() calls for 200 commands`);
      assert.equal(pool.stats().errors_total, 0);
    });

    test('frozen Redis (SIGSTOP): every command fails at its own deadline, not before, not much after', async () => {
      await connectAll(pool);
      const before = pool.stats().timeouts_total;
      for (const s of topo.servers) s.pause();
      try {
        const timed = (key: string) => {
          const t0 = performance.now();
          return pool.command(['EXISTS', key], { idempotent: true }).then(
            () => ({ ok: true as const, ms: performance.now() - t0, err: undefined }),
            (err: unknown) => ({ ok: false as const, ms: performance.now() - t0, err }),
          );
        };
        const first = [timed('d:{a}:1'), timed('d:{b}:1'), timed('d:{c}:1')];
        // Sent 150 ms later: its deadline is its own, not the first commands'.
        await new Promise((r) => setTimeout(r, 150));
        const second = [timed('d:{a}:2'), timed('d:{b}:2')];
        for (const r of await Promise.all([...first, ...second])) {
          assert.equal(r.ok, false, 'no reply from a frozen Redis');
          assert.ok(r.err instanceof StoreTimeoutError, String(r.err));
          assert.ok(r.ms >= TIMEOUT_MS - 2, `not before the timeout (${r.ms.toFixed(0)} ms)`);
          assert.ok(r.ms < TIMEOUT_MS + SLACK_MS, `bounded (${r.ms.toFixed(0)} ms)`);
        }
        assert.equal(pool.stats().timeouts_total - before, 5);
        assert.equal(pool.stats().retries_total, 0);
      } finally {
        for (const s of topo.servers) s.resume();
      }
      await waitFor(
        async () =>
          pool.command(['PING'], { idempotent: true }).then(
            () => true,
            () => false,
          ),
        { timeoutMs: 10_000, intervalMs: 50, what: 'the pool answering again after SIGCONT' },
      );
    });

    if (kind !== 'standalone') {
      // Standalone through the API: test/integration/fail-closed.test.ts.
      test('through the API: GET /api/protected answers 503 within the bound while Redis is frozen', async () => {
        app = await startTestApp({
          ...topo.env,
          REDIS_COMMAND_TIMEOUT_MS: String(TIMEOUT_MS),
          REDIS_CONNECT_TIMEOUT_MS: '3000',
          REDIS_HEALTH_CHECK_INTERVAL: '1',
        });
        const s = await registerAndLogin(
          app.target,
          `frozen-${kind}-${randomUUID().slice(0, 8)}@example.test`,
        );
        assert.equal((await call(app.target, 'GET', '/api/protected', { token: s.access })).status, 200);
        for (const server of topo.servers) server.pause();
        try {
          const results = await Promise.all(
            Array.from({ length: 5 }, async () => {
              const t0 = Date.now();
              const r = await call(app!.target, 'GET', '/api/protected', { token: s.access });
              return { status: r.status, code: r.body.error, ms: Date.now() - t0 };
            }),
          );
          for (const r of results) {
            assert.equal(r.status, 503);
            assert.equal(r.code, 'unavailable');
            assert.ok(r.ms >= TIMEOUT_MS - 50, `not before the timeout (${r.ms} ms)`);
            assert.ok(r.ms < TIMEOUT_MS * 4 + 1500, `bounded (${r.ms} ms)`);
          }
        } finally {
          for (const server of topo.servers) server.resume();
        }
        await waitFor(
          async () => (await call(app!.target, 'GET', '/api/protected', { token: s.access })).status === 200,
          { timeoutMs: 10_000, intervalMs: 100, what: 'the token accepted again after Redis resumed' },
        );
      });
    }
  });
}
