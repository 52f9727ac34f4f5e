/**
 * A client that does what a 503 tells it (retry the refresh with the same token) is
 * never logged out: the rotation may have run on Redis after the client gave up, and
 * the retry then gets the same successor. Shown with Redis frozen (SIGSTOP) and with a
 * reply lost to a connection reset after Redis executed the rotation. Reuse after the
 * grace still revokes the session.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { composeTestApp, type TestApp } from '../helpers/app.js';
import { call, registerAndLogin, type HttpResult } from '../helpers/http.js';
import { startRedis, type RedisServerHandle } from '../helpers/redis-server.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { waitFor } from '../helpers/wait.js';

const refresh = (t: TestApp, token: string): Promise<HttpResult> =>
  call(t.target, 'POST', '/auth/refresh', { body: { refresh_token: token } });

const alive = async (t: TestApp, access: string): Promise<boolean> =>
  (await call(t.target, 'GET', '/api/protected', { token: access })).status === 200;

describe('refresh retried after a 503', () => {
  let redis: RedisServerHandle;
  let proxy: TcpProxy;
  let frozen: TestApp;
  let proxied: TestApp;

  before(async () => {
    redis = await startRedis();
    proxy = await startTcpProxy(redis.port);
    const common = {
      REDIS_COMMAND_TIMEOUT_MS: '300',
      REDIS_HEALTH_CHECK_INTERVAL: '1',
      REFRESH_RETRY_GRACE: '30',
    };
    frozen = await composeTestApp({ REDIS_URL: redis.url, ...common });
    proxied = await composeTestApp({
      REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
      REDIS_POOL_SIZE: '1',
      ...common,
    });
  });
  after(async () => {
    redis?.resume();
    await frozen?.close();
    await proxied?.close();
    await proxy?.close();
    await redis?.stop();
  });

  for (let trial = 1; trial <= 3; trial++) {
    it(`Redis frozen during the rotation (trial ${trial}): 503, then the retry gets a live successor`, async () => {
      const s = await registerAndLogin(frozen.target, `freeze-${randomUUID().slice(0, 8)}@example.test`);
      redis.pause();
      let during: HttpResult;
      try {
        during = await refresh(frozen, s.refresh);
      } finally {
        redis.resume();
      }
      assert.equal(during.status, 503);
      assert.equal(during.body.error, 'unavailable');
      assert.ok(Number(during.headers['retry-after']) >= 1);
      const retried = await waitFor(
        async () => {
          const r = await refresh(frozen, s.refresh);
          return r.status === 503 ? undefined : r;
        },
        { what: 'the retry to be answered' },
      );
      assert.equal(retried.status, 200, retried.text);
      assert.ok(await alive(frozen, String(retried.body.access_token)), 'the session survived');
      assert.ok(await alive(frozen, s.access), 'the older access token of the session too');
      const next = await refresh(frozen, String(retried.body.refresh_token));
      assert.equal(next.status, 200, 'the successor handed out is alive');
    });
  }

  it('reply lost to a connection reset after Redis rotated: the retry gets the same successor', async () => {
    const s = await registerAndLogin(proxied.target, `lost-${randomUUID().slice(0, 8)}@example.test`);
    // The rotation is a script; a health-check PING meanwhile keeps its reply.
    proxy.cutOnNextReply(/EVALSHA|EVAL/i);
    const lost = await refresh(proxied, s.refresh);
    assert.equal(lost.status, 503);
    const retried = await waitFor(
      async () => {
        const r = await refresh(proxied, s.refresh);
        return r.status === 503 ? undefined : r;
      },
      { what: 'the retry to be answered' },
    );
    assert.equal(retried.status, 200, retried.text);
    // Redis did rotate: the retry was answered as a retry, with the successor it holds.
    const again = await refresh(proxied, s.refresh);
    assert.equal(again.body.refresh_token, retried.body.refresh_token);
    assert.ok(await alive(proxied, String(retried.body.access_token)));
  });
});

describe('reuse after the retry grace', () => {
  let redis: RedisServerHandle;
  let t: TestApp;
  before(async () => {
    redis = await startRedis();
    t = await composeTestApp({ REDIS_URL: redis.url, REFRESH_RETRY_GRACE: '1' });
  });
  after(async () => {
    await t?.close();
    await redis?.stop();
  });

  it('presenting the rotated token after the grace is reuse: the session is revoked', async () => {
    const s = await registerAndLogin(t.target, `grace-${randomUUID().slice(0, 8)}@example.test`);
    const rotated = await refresh(t, s.refresh);
    assert.equal(rotated.status, 200);
    // The grace is a duration: wait it out (plus a margin) on the clock Redis keeps.
    await new Promise((r) => setTimeout(r, 1300));
    const reuse = await refresh(t, s.refresh);
    assert.equal(reuse.status, 401);
    assert.equal(reuse.body.error, 'invalid_grant');
    assert.equal(await alive(t, String(rotated.body.access_token)), false);
  });
});
