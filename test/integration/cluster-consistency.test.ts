/**
 * 4 workers on a password-protected Redis behave as one service: every request on a
 * fresh connection may land on another worker, yet no revoked token is ever accepted
 * again, refresh reuse and logout-all hold group-wide, the login lockout counts every
 * worker's failures, and /metrics and /health/redis answer for the whole group.
 * Runs the built CLI (`npm run build` first).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { startPostgres, type PostgresHandle } from '../helpers/postgres-server.js';
import { startRedis, type RedisServerHandle } from '../helpers/redis-server.js';
import { call, login, register } from '../helpers/http.js';
import { sample } from '../helpers/metrics-text.js';
import { cpuTicks } from '../helpers/proc.js';
import { inLanes, startTollgate, type TollgateProcess } from '../helpers/tollgate-process.js';

const REDIS_PASSWORD = `pw-${randomBytes(12).toString('hex')}`;
const OPS_TOKEN = `ops-${randomBytes(16).toString('hex')}`;
const OPS = { authorization: `Bearer ${OPS_TOKEN}` };
const PASSWORD = 'correct horse battery staple';
const WORKERS = 4;
const PAIRS = 300;
const LANES = 8;

interface PoolView {
  workers: number;
  per_worker: Array<{ worker: number; pid: number; max_connections: number; healthy: boolean }>;
}

describe(`cluster: ${WORKERS} workers, one Redis with a password`, { timeout: 150_000 }, () => {
  let redis: RedisServerHandle;
  let pg: PostgresHandle;
  let tg: TollgateProcess;
  const users = Array.from({ length: LANES }, (_, i) => `cluster-${i}@example.test`);

  before(async () => {
    [redis, pg] = await Promise.all([startRedis({ password: REDIS_PASSWORD }), startPostgres()]);
    tg = await startTollgate({
      env: {
        WORKERS: String(WORKERS),
        REDIS_URL: redis.url,
        DATABASE_URL: pg.url,
        OPS_TOKEN,
        LOGIN_MAX_FAILURES_PER_ACCOUNT_IP: '5',
        LOGIN_MAX_FAILURES_PER_IP: '100000',
      },
      expectWorkers: WORKERS,
      opsToken: OPS_TOKEN,
      readyTimeoutMs: 60_000,
    });
    await Promise.all(users.map((u) => register(tg.url, u, PASSWORD)));
  });

  after(async () => {
    await tg?.stop();
    await redis?.stop();
    await pg?.stop();
  });

  test(`${PAIRS} logout → verify pairs on fresh connections: 0 stale accepts`, async () => {
    const pools = (await call(tg.url, 'GET', '/health/redis', { headers: OPS, fresh: true })).body as {
      pool: PoolView;
    };
    const pids = pools.pool.per_worker.map((w) => w.pid);
    assert.equal(new Set(pids).size, WORKERS);
    const cpuBefore = new Map(pids.map((p) => [p, cpuTicks(p)]));

    let stale = 0;
    let verifiedBefore = 0;
    const started = Date.now();
    await inLanes(PAIRS, LANES, async (_i, lane) => {
      const tokens = await login(tg.url, users[lane]!, PASSWORD);
      const before = await call(tg.url, 'GET', '/api/protected', { token: tokens.access, fresh: true });
      assert.equal(before.status, 200, 'a live session is accepted by any worker');
      verifiedBefore++;
      const out = await call(tg.url, 'POST', '/auth/logout', { token: tokens.access, fresh: true });
      assert.equal(out.status, 200);
      const afterLogout = await call(tg.url, 'GET', '/api/protected', {
        token: tokens.access,
        fresh: true,
      });
      if (afterLogout.status !== 401) stale++;
      assert.equal(afterLogout.headers['www-authenticate'], 'Bearer error="invalid_token"');
    });
    const elapsed = Date.now() - started;
    console.log(`# ${PAIRS} pairs (${PAIRS * 4} requests) in ${elapsed} ms, stale accepts: ${stale}`);
    assert.equal(verifiedBefore, PAIRS);
    assert.equal(stale, 0);
    // Fresh connections are spread over the workers: every one of them did work.
    for (const pid of pids) assert.ok(cpuTicks(pid) > cpuBefore.get(pid)!, `worker ${pid} served requests`);
  });

  test('logout-all and refresh reuse hold across workers', async () => {
    const email = 'cluster-family@example.test';
    await register(tg.url, email, PASSWORD);
    const sessions = [];
    for (let i = 0; i < 3; i++) sessions.push(await login(tg.url, email, PASSWORD));
    const all = await call(tg.url, 'POST', '/auth/logout-all', {
      token: sessions[0]!.access,
      fresh: true,
    });
    assert.equal(all.status, 200);
    assert.equal((all.body as { revoked: number }).revoked, 3);
    for (const s of sessions) {
      for (let k = 0; k < WORKERS; k++) {
        const v = await call(tg.url, 'GET', '/api/protected', { token: s.access, fresh: true });
        assert.equal(v.status, 401);
      }
      const r = await call(tg.url, 'POST', '/auth/refresh', {
        body: { refresh_token: s.refresh },
        fresh: true,
      });
      assert.equal(r.status, 401);
    }

    // Rotations on one worker, reuse of an old token on another: the family dies.
    const first = await login(tg.url, email, PASSWORD);
    const rotated = await call(tg.url, 'POST', '/auth/refresh', {
      body: { refresh_token: first.refresh },
      fresh: true,
    });
    assert.equal(rotated.status, 200);
    const middle = rotated.body as { access_token: string; refresh_token: string };
    const rotatedAgain = await call(tg.url, 'POST', '/auth/refresh', {
      body: { refresh_token: middle.refresh_token },
      fresh: true,
    });
    assert.equal(rotatedAgain.status, 200);
    const next = rotatedAgain.body as { access_token: string; refresh_token: string };
    assert.equal(
      (await call(tg.url, 'GET', '/api/protected', { token: next.access_token, fresh: true })).status,
      200,
    );
    const reuse = await call(tg.url, 'POST', '/auth/refresh', {
      body: { refresh_token: first.refresh },
      fresh: true,
    });
    assert.equal(reuse.status, 401);
    assert.equal((reuse.body as { error: string }).error, 'invalid_grant');
    for (let k = 0; k < WORKERS; k++) {
      assert.equal(
        (await call(tg.url, 'GET', '/api/protected', { token: next.access_token, fresh: true })).status,
        401,
      );
    }
    const after = await call(tg.url, 'POST', '/auth/refresh', {
      body: { refresh_token: next.refresh_token },
      fresh: true,
    });
    assert.equal(after.status, 401);

    // Concurrent refreshes of one token on different workers: all get the same live successor.
    const racer = await login(tg.url, email, PASSWORD);
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        call(tg.url, 'POST', '/auth/refresh', { body: { refresh_token: racer.refresh }, fresh: true }),
      ),
    );
    assert.equal(results.filter((r) => r.status === 200).length, 8);
    assert.equal(new Set(results.map((r) => r.body.refresh_token)).size, 1);
    for (const r of results) {
      const token = String(r.body.access_token);
      assert.equal((await call(tg.url, 'GET', '/api/protected', { token, fresh: true })).status, 200);
    }
  });

  test('the login lockout counts failures on every worker', async () => {
    const email = 'cluster-lockout@example.test';
    await register(tg.url, email, PASSWORD);
    for (let i = 0; i < 5; i++) {
      const r = await call(tg.url, 'POST', '/auth/login', {
        body: { email, password: 'wrong password!' },
        fresh: true,
      });
      assert.equal(r.status, 401, `attempt ${i + 1}`);
    }
    for (let k = 0; k < WORKERS; k++) {
      const locked = await call(tg.url, 'POST', '/auth/login', {
        body: { email, password: PASSWORD },
        fresh: true,
      });
      assert.equal(locked.status, 429, 'locked on every worker, even with the right password');
      assert.equal((locked.body as { error: string }).error, 'too_many_attempts');
      assert.ok(Number(locked.headers['retry-after']) > 0, 'Retry-After is set');
    }
  });

  test('/metrics aggregates every worker; /health/redis lists every worker whichever answers', async () => {
    assert.equal((await call(tg.url, 'GET', '/metrics', { fresh: true })).status, 401, 'ops token required');

    const N = 40;
    await inLanes(N, 4, async () => {
      assert.equal((await call(tg.url, 'GET', '/', { fresh: true })).status, 200);
    });
    for (let k = 0; k < WORKERS; k++) {
      const m = await call(tg.url, 'GET', '/metrics', { headers: OPS, fresh: true });
      assert.equal(m.status, 200);
      const text = m.text;
      assert.equal(sample(text, 'tollgate_cluster_workers_reporting'), WORKERS);
      assert.equal(sample(text, 'tollgate_cluster_workers_live'), WORKERS);
      assert.equal(
        sample(text, 'http_server_request_duration_seconds_count', {
          http_request_method: 'GET',
          http_route: '/',
          http_response_status_code: '200',
        }),
        N,
        'the request counter summed over the workers equals the requests sent',
      );
    }

    const seen = new Set<string>();
    for (let k = 0; k < 2 * WORKERS; k++) {
      const r = await call(tg.url, 'GET', '/health/redis', { headers: OPS, fresh: true });
      assert.equal(r.status, 200);
      const pool = (r.body as { pool: PoolView }).pool;
      assert.equal(pool.workers, WORKERS);
      assert.equal(pool.per_worker.length, WORKERS);
      assert.equal(new Set(pool.per_worker.map((w) => w.pid)).size, WORKERS);
      for (const w of pool.per_worker) {
        assert.ok(w.healthy);
        assert.ok(w.max_connections >= 1);
      }
      seen.add(pool.per_worker.map((w) => w.pid).join(','));
    }
    assert.equal(seen.size, 1, 'every answer lists the same workers');
    assert.doesNotMatch(
      tg.stdout() + tg.stderr(),
      new RegExp(REDIS_PASSWORD),
      'the Redis password never reaches a log',
    );
  });
});
