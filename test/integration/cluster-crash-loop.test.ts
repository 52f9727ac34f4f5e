/**
 * A worker slot that crashes in a loop is given up (after more than 5 crashes within
 * 60 s, with backoff between restarts) and, when no slot is left, the group exits
 * non-zero with a clear message instead of respawning forever. Here the loop is real:
 * Redis goes away, the running workers are killed, and every replacement fails to
 * start. Runs the built CLI (`npm run build` first).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startPostgres, type PostgresHandle } from '../helpers/postgres-server.js';
import { startRedis, type RedisServerHandle } from '../helpers/redis-server.js';
import { call } from '../helpers/http.js';
import { startTollgate, type TollgateProcess } from '../helpers/tollgate-process.js';
import { within } from '../helpers/wait.js';

let redis: RedisServerHandle;
let pg: PostgresHandle;
let tg: TollgateProcess;

before(async () => {
  [redis, pg] = await Promise.all([startRedis(), startPostgres()]);
  tg = await startTollgate({
    // Replacements fail at once on the refused connection (Redis is gone), whatever the
    // connect timeout; the first start must not fail on a busy machine's slow connect.
    env: { WORKERS: '2', REDIS_URL: redis.url, DATABASE_URL: pg.url, REDIS_CONNECT_TIMEOUT_MS: '3000' },
    expectWorkers: 2,
    readyTimeoutMs: 60_000,
  });
});

after(async () => {
  await tg?.stop(5000);
  await redis?.stop();
  await pg?.stop();
});

test('a crash loop gives up with a clear error and a non-zero exit', { timeout: 180_000 }, async () => {
  const r = await call(tg.url, 'GET', '/health/redis', { fresh: true, timeoutMs: 10_000 });
  const pids = (r.body as { pool: { per_worker: Array<{ pid: number }> } }).pool.per_worker.map((w) => w.pid);
  assert.equal(pids.length, 2);

  await redis.kill();
  const t0 = Date.now();
  for (const pid of pids) process.kill(pid, 'SIGKILL');

  // Ten failed starts with backoff take about 35 s on a busy 2-core machine; a group that
  // respawned forever would never exit.
  const status = await within(tg.exited, 120_000, 'exit after the crash loop');
  const out = tg.stdout() + tg.stderr();
  const restarts = out.match(/worker exited unexpectedly: restarting it/g)?.length ?? 0;
  console.log(`# crash loop: exit ${status.code} after ${Date.now() - t0} ms, ${restarts} restarts logged`);
  assert.equal(status.code, 1);
  assert.match(out, /crashed 6 times within the crash window: no longer restarting it/);
  assert.match(out, /every worker crashed in a loop and none can be restarted/);
  assert.equal(restarts, 10, '5 restarts per slot, then the slot is given up');
  assert.match(out, /"restart_in_ms":1600/, 'exponential backoff between restarts');
});
