/**
 * Every unauthenticated route that stores state is limited, and the state a flood from
 * one address leaves behind is bounded: counted as Redis keys (and accounts) after a
 * flood, on the Redis store. Passkey sign-in options store a 5-minute challenge each:
 * PASSKEY_OPTIONS_MAX_PER_IP per address per minute, PASSKEY_CHALLENGES_MAX for all
 * addresses together. Registration: REGISTER_MAX_PER_IP per hour. Reset requests: 3 per
 * email and 30 per address per 15 minutes, so about 30 email counters per address (plus
 * requests in flight when the limit was reached).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { composeTestApp, type TestApp } from '../helpers/app.js';
import { call } from '../helpers/http.js';
import { PASSKEY_ENV } from '../helpers/passkeys-suite.js';
import { startRedis, type RedisServerHandle } from '../helpers/redis-server.js';

const FLOOD = 600;
const PER_IP = 25;

async function keyCount(redis: RedisServerHandle, db: number, pattern: string): Promise<number> {
  const out = await redis.cli('-n', String(db), '--scan', '--pattern', pattern);
  return out.split('\n').filter(Boolean).length;
}

/** `n` requests, 8 at a time; the statuses seen, by count. */
async function flood(
  n: number,
  send: (i: number) => Promise<{ status: number }>,
): Promise<Map<number, number>> {
  const seen = new Map<number, number>();
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < n) {
      const r = await send(next++);
      seen.set(r.status, (seen.get(r.status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: 8 }, lane));
  return seen;
}

describe('unauthenticated state is bounded (Redis)', () => {
  let redis: RedisServerHandle;
  let app: TestApp;
  before(async () => {
    redis = await startRedis();
    app = await composeTestApp({
      REDIS_URL: `${redis.url}/2`,
      PASSKEY_OPTIONS_MAX_PER_IP: String(PER_IP),
      REGISTER_MAX_PER_IP: String(PER_IP),
      ...PASSKEY_ENV,
    });
  });
  after(async () => {
    await app?.close();
    await redis?.stop();
  });

  it(`${FLOOD} passkey options from one address store at most ${PER_IP} challenges`, async () => {
    const seen = await flood(FLOOD, (i) =>
      call(app.target, 'POST', '/auth/passkeys/login/options', {
        body: i % 2 ? { email: `nobody-${i}@example.test` } : {},
      }),
    );
    assert.equal(seen.get(200), PER_IP, JSON.stringify([...seen]));
    assert.equal(seen.get(429), FLOOD - PER_IP);
    assert.equal(await keyCount(redis, 2, 'tg:once:passkey-login:*'), PER_IP);
  });

  it(`${FLOOD} registrations from one address create at most ${PER_IP} accounts`, async () => {
    const seen = await flood(FLOOD, (i) =>
      call(app.target, 'POST', '/auth/register', {
        body: { email: `flood-${i}@example.test`, password: 'a long flood password' },
      }),
    );
    assert.equal(seen.get(201), PER_IP, JSON.stringify([...seen]));
    assert.equal(seen.get(429), FLOOD - PER_IP);
    const page = await app.composition.directory.searchAccounts({ query: 'flood-', limit: 1000 });
    assert.equal(page.items.length, PER_IP);
  });

  it(`${FLOOD} reset requests for distinct emails from one address leave about 30 counters`, async () => {
    const seen = await flood(FLOOD, (i) =>
      call(app.target, 'POST', '/auth/password-reset/request', {
        body: { email: `reset-${i}@example.test` },
      }),
    );
    assert.equal(seen.get(202), 30, JSON.stringify([...seen]));
    // A request already past the check when the address reached its limit still counts
    // its email, so in-flight requests (8 lanes here) may add one each; no more.
    const counters = await keyCount(redis, 2, 'tg:rl:mail:reset:*');
    assert.ok(counters >= 30 && counters <= 30 + 8, `${counters} email counters`);
    assert.equal(await keyCount(redis, 2, 'tg:rl:mail:reset-ip:*'), 1);
  });

  it('a cap on challenges for all addresses together', async () => {
    const capped = await composeTestApp({
      REDIS_URL: `${redis.url}/3`,
      TRUST_PROXY: 'true',
      PASSKEY_CHALLENGES_MAX: '40',
      ...PASSKEY_ENV,
    });
    try {
      // 200 addresses, a few requests each: the per-address limit never bites, the cap does.
      const seen = await flood(200, (i) =>
        call(capped.target, 'POST', '/auth/passkeys/login/options', {
          body: {},
          headers: { 'x-forwarded-for': `198.51.100.${i % 250}` },
        }),
      );
      assert.equal(seen.get(200), 40, JSON.stringify([...seen]));
      assert.equal(await keyCount(redis, 3, 'tg:once:passkey-login:*'), 40);
    } finally {
      await capped.close();
    }
  });
});
