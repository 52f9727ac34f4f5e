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

/**
 * Redis' own timing of the scripts it ran since its statistics were last reset: calls and
 * the median microseconds per call (INFO commandstats and latencystats). Each bystander
 * verify runs one script; nothing else runs one between a reset and this read. Redis
 * measures inside the server, so a busy machine delaying this process' timers does not
 * show in it.
 */
async function scriptTiming(t: TestApp): Promise<{ calls: number; p50: number }> {
  const info = String(await t.composition.pool!.command(['INFO', 'everything']));
  const calls = Number(/^cmdstat_evalsha:calls=(\d+)/m.exec(info)?.[1] ?? 0);
  const p50 = Number(/^latency_percentiles_usec_evalsha:p50=([\d.]+)/m.exec(info)?.[1] ?? Number.NaN);
  return { calls, p50 };
}

async function resetRedisStats(t: TestApp): Promise<void> {
  await t.composition.pool!.command(['CONFIG', 'RESETSTAT']);
}

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
      await resetRedisStats(t);
      const baseline = await verifyLatencies(t, bystander.access, 200);
      const redisBefore = await scriptTiming(t);
      assert.ok(redisBefore.calls >= 200, `${redisBefore.calls} scripts for 200 verifies`);
      const during: number[] = [];
      const redisDuring: number[] = [];
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
        await resetRedisStats(t);
        during.push(...(await verifyLatencies(t, bystander.access, 4)));
        redisDuring.push((await scriptTiming(t)).p50);
      }
      await resetRedisStats(t);
      const afterwards = await verifyLatencies(t, bystander.access, 200);
      const redisAfter = await scriptTiming(t);
      assert.equal(Number(await redis.cli('ZCARD', keys.userSessions(heavy))), Math.min(cap, 10_000));
      assert.equal(await store.countSessions(heavy), Math.min(cap, 10_000));
      const [b, d, a] = [median(baseline), median(during), median(afterwards)];
      const [rb, rd, ra] = [redisBefore.p50, median(redisDuring), redisAfter.p50];
      console.log(
        `# cap ${cap}: bystander verify p50 ${b.toFixed(2)} ms before, ${d.toFixed(2)} ms while 10,000 sessions were created, ${a.toFixed(2)} ms after; ` +
          `its script in Redis p50 ${rb} µs before, ${rd} µs during, ${ra} µs after`,
      );
      // Judged by Redis' own time per script: the client-side figures above swing with
      // the machine's load. Work that grew with the sessions (an O(n) index) would make
      // the bystander's script tens of times slower; 10x leaves room for noise.
      assert.ok(rb > 0, `Redis timed the scripts (p50 ${rb} µs)`);
      assert.ok(ra < rb * 10, `after/before ${(ra / rb).toFixed(2)} in Redis`);
      assert.ok(rd < rb * 10, `during/before ${(rd / rb).toFixed(2)} in Redis`);
      // Ending them all is one call.
      const deleted = await store.deleteAllSessions(heavy);
      assert.equal(deleted, Math.min(cap, 10_000));
    });
  });
}
