/**
 * Per-user state is bounded and cheap: one user with 10,000 sessions created costs
 * another user nothing. The index is a sorted set by expiry (every operation O(log n))
 * capped at MAX_SESSIONS_PER_USER; creating past the cap ends the oldest.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { mintRefreshToken, newSessionId } from '../../src/auth/refresh-token.js';
import { keys } from '../../src/store/keys.js';
import { composeTestApp, type TestApp } from '../helpers/app.js';
import { call, registerAndLogin } from '../helpers/http.js';
import { startRedis, type RedisServerHandle } from '../helpers/redis-server.js';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function verifyLatencies(t: TestApp, access: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = await call(t.target, 'GET', '/api/protected', { token: access });
    out.push(performance.now() - t0);
    assert.equal(r.status, 200);
  }
  return out;
}

for (const cap of [100, 10_000]) {
  describe(`10,000 sessions for one user, MAX_SESSIONS_PER_USER=${cap}`, () => {
    let redis: RedisServerHandle;
    let t: TestApp;
    before(async () => {
      redis = await startRedis();
      t = await composeTestApp({ REDIS_URL: redis.url, MAX_SESSIONS_PER_USER: String(cap) });
    });
    after(async () => {
      await t?.close();
      await redis?.stop();
    });

    it("keeps the index within the cap and another user's verify latency where it was", async () => {
      const bystander = await registerAndLogin(
        t.target,
        `bystander-${randomUUID().slice(0, 8)}@example.test`,
      );
      const heavy = randomUUID();
      const store = t.composition.store;
      const baseline = await verifyLatencies(t, bystander.access, 200);
      const during: number[] = [];
      for (let batch = 0; batch < 50; batch++) {
        await Promise.all(
          Array.from({ length: 200 }, () => {
            const sid = newSessionId();
            return store.createSession({
              uid: heavy,
              sid,
              email: 'heavy@example.test',
              refreshHash: mintRefreshToken(heavy, sid).hash,
              ttlSeconds: 3600,
              maxPerUser: cap,
              ip: '192.0.2.1',
              userAgent: 'bench',
              auth: { authTime: 0, amr: [] },
            });
          }),
        );
        during.push(...(await verifyLatencies(t, bystander.access, 4)));
      }
      const afterwards = await verifyLatencies(t, bystander.access, 200);
      assert.equal(Number(await redis.cli('ZCARD', keys.userSessions(heavy))), Math.min(cap, 10_000));
      assert.equal(await store.countSessions(heavy), Math.min(cap, 10_000));
      const [b, d, a] = [median(baseline), median(during), median(afterwards)];
      console.log(
        `# cap ${cap}: bystander verify p50 ${b.toFixed(2)} ms before, ${d.toFixed(2)} ms while 10,000 sessions were created, ${a.toFixed(2)} ms after`,
      );
      // Generous bounds for a shared machine: an O(n) index would be tens of times slower.
      assert.ok(a < b * 3 + 1, `after/before ${(a / b).toFixed(2)}`);
      assert.ok(d < b * 3 + 2, `during/before ${(d / b).toFixed(2)}`);
      // Ending them all is one call.
      const deleted = await store.deleteAllSessions(heavy);
      assert.equal(deleted, Math.min(cap, 10_000));
    });
  });
}
