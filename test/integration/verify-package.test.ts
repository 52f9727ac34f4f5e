/**
 * Logout honoured by another service, measured: tollgate (the built CLI, 2 workers, one
 * real redis-server) and, as separate processes, the example service of
 * `@tollgate/verify` (packages/verify/examples/orders-service.ts) in each mode. Hundreds
 * of login → request → logout → request pairs: after logout has answered 200, the other
 * service must refuse the token on the very next request (0 stale accepts), while a
 * JWT-only check (jose and the JWKS, no session check) would still accept every one of
 * them. Then the fail-closed side: with Redis frozen, both modes and the introspection
 * endpoint answer 503, never 200. `npm run build` first.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { clientSecret } from '../../src/commands/clients.js';
import { call, login, register, type HttpResult } from '../helpers/http.js';
import { startRedis, type RedisServerHandle } from '../helpers/redis-server.js';
import { ordersServiceEnv, startResourceService, type ResourceService } from '../helpers/resource-service.js';
import { inLanes, startTollgate, type TollgateProcess } from '../helpers/tollgate-process.js';
import { within } from '../helpers/wait.js';

const AUDIENCE = 'orders-api';
const PAIRS = Number(process.env.VERIFY_PAIRS ?? 300);
const LANES = 8;
const MODES = ['introspect', 'redis'] as const;
type Mode = (typeof MODES)[number];

interface Tally {
  pairs: number;
  acceptedBefore: number;
  logoutOk: number;
  refusedAfter: number;
  staleAccepts: number;
  /** What a JWT-only check would have accepted after logout. */
  jwtOnlyAcceptsAfter: number;
  introspectActiveAfter: number;
  other: string[];
}

describe('@tollgate/verify against tollgate with 2 workers on Redis', { timeout: 300_000 }, () => {
  const client = clientSecret('orders-api');
  let redis: RedisServerHandle;
  let tg: TollgateProcess;
  const services = new Map<Mode, ResourceService>();
  let jwks: ReturnType<typeof createLocalJWKSet>;
  const users = Array.from({ length: LANES }, (_, i) => `verify-lane-${i}@example.test`);
  const basic = `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`;

  let issuer: string;

  before(async () => {
    redis = await startRedis();
    tg = await startTollgate({
      env: {
        WORKERS: '2',
        REDIS_URL: redis.url,
        TOKEN_AUDIENCE: AUDIENCE,
        INTROSPECTION_CLIENTS: client.entry,
      },
      expectWorkers: 2,
      readyTimeoutMs: 60_000,
    });
    // The issuer tokens carry, as a verifier learns it: from the RFC 8414 metadata.
    issuer = String((await call(tg.url, 'GET', '/.well-known/oauth-authorization-server')).body.issuer);
    for (const mode of MODES) {
      services.set(
        mode,
        await startResourceService({
          env: ordersServiceEnv(mode, {
            tollgateUrl: tg.url,
            issuer,
            audience: AUDIENCE,
            clientId: client.id,
            clientSecret: client.secret,
            redisUrl: redis.url,
          }),
        }),
      );
    }
    for (const u of users) await register(tg.url, u);
    jwks = createLocalJWKSet(
      (await call(tg.url, 'GET', '/.well-known/jwks.json')).body as unknown as JSONWebKeySet,
    );
  });

  after(async () => {
    redis?.resume();
    for (const s of services.values()) await s.stop();
    await tg?.stop();
    await redis?.stop();
  });

  const orders = (mode: Mode, token: string): Promise<HttpResult> =>
    call(services.get(mode)!.url, 'GET', '/orders', { token, timeoutMs: 10_000 });

  async function jwtOnlyAccepts(token: string): Promise<boolean> {
    try {
      await jwtVerify(token, jwks, { issuer, audience: AUDIENCE, typ: 'at+jwt' });
      return true;
    } catch {
      return false;
    }
  }

  for (const mode of MODES) {
    it(`${mode} mode: ${PAIRS} logout → request pairs, 0 stale accepts`, async () => {
      const t: Tally = {
        pairs: 0,
        acceptedBefore: 0,
        logoutOk: 0,
        refusedAfter: 0,
        staleAccepts: 0,
        jwtOnlyAcceptsAfter: 0,
        introspectActiveAfter: 0,
        other: [],
      };
      await within(
        inLanes(PAIRS, LANES, async (_i, lane) => {
          // Fresh connections: login and logout may each land on either worker.
          const s = await login(tg.url, users[lane]!);
          t.pairs++;
          const before = await orders(mode, s.access);
          if (before.status === 200 && before.body.user) t.acceptedBefore++;
          else t.other.push(`before ${before.status} ${before.text.slice(0, 80)}`);
          const out = await call(tg.url, 'POST', '/auth/logout', { token: s.access, fresh: true });
          if (out.status !== 200) {
            t.other.push(`logout ${out.status}`);
            return;
          }
          t.logoutOk++;
          const afterLogout = await orders(mode, s.access);
          if (afterLogout.status === 200) t.staleAccepts++;
          else if (afterLogout.status === 401 && afterLogout.body.error === 'invalid_token') t.refusedAfter++;
          else t.other.push(`after ${afterLogout.status} ${afterLogout.text.slice(0, 80)}`);
          if (await jwtOnlyAccepts(s.access)) t.jwtOnlyAcceptsAfter++;
          if (mode === 'introspect') {
            // What any resource server asking tollgate directly sees.
            const raw = await call(tg.url, 'POST', '/oauth/introspect', {
              raw: `token=${s.access}`,
              headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic },
              fresh: true,
            });
            if (raw.status !== 200 || raw.body.active !== false) t.introspectActiveAfter++;
          }
        }),
        240_000,
        `${mode}: ${PAIRS} pairs`,
      );
      console.log(`# ${mode}: ${JSON.stringify({ ...t, other: t.other.length })}`);
      assert.deepEqual(t.other, [], 'every request answered as expected');
      assert.equal(t.pairs, PAIRS);
      assert.equal(t.acceptedBefore, PAIRS, 'the service accepted every live token');
      assert.equal(t.logoutOk, PAIRS);
      assert.equal(t.staleAccepts, 0, 'no token accepted after logout');
      assert.equal(t.refusedAfter, PAIRS);
      assert.equal(t.introspectActiveAfter, 0);
      // The control: checking the JWT alone would have let every logged-out token through.
      assert.equal(t.jwtOnlyAcceptsAfter, PAIRS);
    });
  }

  it('fails closed: with Redis frozen, both modes and introspection answer 503, never 200', async () => {
    const s = await login(tg.url, users[0]!);
    for (const mode of MODES) assert.equal((await orders(mode, s.access)).status, 200);
    redis.pause();
    try {
      for (const mode of MODES) {
        const r = await orders(mode, s.access);
        assert.equal(r.status, 503, `${mode}: ${r.status} ${r.text}`);
        assert.equal(r.body.error, 'unavailable');
        assert.ok(Number(r.headers['retry-after']) >= 1);
      }
      const direct = await call(tg.url, 'POST', '/oauth/introspect', {
        raw: `token=${s.access}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic },
        fresh: true,
      });
      assert.equal(direct.status, 503);
      assert.equal(direct.body.error, 'unavailable');
      assert.equal(direct.body.active, undefined);
    } finally {
      redis.resume();
    }
    // Back: the session is still alive (nothing was lost), and logout still ends it everywhere.
    for (const mode of MODES) assert.equal((await orders(mode, s.access)).status, 200, mode);
    assert.equal((await call(tg.url, 'POST', '/auth/logout', { token: s.access, fresh: true })).status, 200);
    for (const mode of MODES) assert.equal((await orders(mode, s.access)).status, 401, mode);
  });
});
