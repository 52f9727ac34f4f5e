/**
 * The Store contract: one suite, run against the memory store (unit) and the Redis
 * store on a real redis-server (integration). Both must behave identically.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { keys } from '../../src/store/keys.js';
import type { NewSession, RateLimitRule, RotateRequest, Store } from '../../src/store/store.js';

export interface ContractHarness {
  store: () => Store;
  /** Moves time forward (memory: fake clock; redis: waits). */
  expire: (seconds: number) => Promise<void>;
}

const h = (s: string): string => s.padEnd(64, '0');

const session = (uid: string, sid: string, extra: Partial<NewSession> = {}): NewSession => ({
  uid,
  sid,
  email: `${sid}@x.test`,
  refreshHash: h(sid),
  ttlSeconds: 60,
  maxPerUser: 100,
  ip: '192.0.2.1',
  userAgent: 'contract-test/1.0',
  auth: { authTime: 1_700_000_000, amr: ['pwd'] },
  ...extra,
});

const rotate = (uid: string, sid: string, from: string, to: string, graceMs = 30_000): RotateRequest => ({
  uid,
  sid,
  presentedHash: h(from),
  nextHash: h(to),
  ttlSeconds: 60,
  retryGraceMs: graceMs,
});

const rule = (limit: number, windowSeconds = 60): RateLimitRule => ({
  key: `tg:rl:test:${randomUUID()}`,
  limit,
  windowSeconds,
});

export function storeContract(name: string, harness: ContractHarness): void {
  describe(`Store contract: ${name}`, () => {
    it('keeps a session alive until it is deleted', async () => {
      const s = harness.store();
      const uid = randomUUID();
      await s.createSession(session(uid, 'sid-a'));
      assert.equal(await s.isSessionAlive(uid, 'sid-a'), true);
      assert.equal(await s.isSessionAlive(uid, 'sid-b'), false);
      assert.equal(await s.deleteSession(uid, 'sid-a'), true);
      assert.equal(await s.isSessionAlive(uid, 'sid-a'), false);
      assert.equal(await s.deleteSession(uid, 'sid-a'), false);
    });

    it('caps the sessions of a user: past the cap, the one closest to expiry ends', async () => {
      const s = harness.store();
      const uid = randomUUID();
      await s.createSession(session(uid, 'first', { maxPerUser: 3 }));
      await s.createSession(session(uid, 'second', { maxPerUser: 3 }));
      await s.createSession(session(uid, 'third', { maxPerUser: 3 }));
      // 'first' is refreshed, so 'second' is now the closest to expiry.
      await harness.expire(0.05);
      assert.equal((await s.rotateRefresh(rotate(uid, 'first', 'first', 'first-2'))).status, 'rotated');
      await s.createSession(session(uid, 'fourth', { maxPerUser: 3 }));
      assert.equal(await s.countSessions(uid), 3);
      assert.equal(await s.isSessionAlive(uid, 'second'), false);
      for (const sid of ['first', 'third', 'fourth'])
        assert.equal(await s.isSessionAlive(uid, sid), true, sid);
      // Another user is not affected.
      const other = randomUUID();
      await s.createSession(session(other, 'x', { maxPerUser: 1 }));
      assert.equal(await s.countSessions(other), 1);
      assert.equal(await s.countSessions(uid), 3);
    });

    it('rotates; a retry of the last rotation within the grace gets the same successor', async () => {
      const s = harness.store();
      const uid = randomUUID();
      await s.createSession(session(uid, 's1'));
      const r1 = await s.rotateRefresh(rotate(uid, 's1', 's1', 'n1'));
      assert.deepEqual(r1, { status: 'rotated', session: { uid, sid: 's1', email: 's1@x.test' } });
      // The same token again (its answer was lost): a retry, and the session lives on.
      const again = await s.rotateRefresh(rotate(uid, 's1', 's1', 'n1'));
      assert.deepEqual(again, { status: 'retried', session: { uid, sid: 's1', email: 's1@x.test' } });
      assert.equal(await s.isSessionAlive(uid, 's1'), true);
      // The successor is still the current token.
      assert.equal((await s.rotateRefresh(rotate(uid, 's1', 'n1', 'n2'))).status, 'rotated');
    });

    it('treats an older token as reuse once its successor was used, and revokes the session', async () => {
      const s = harness.store();
      const uid = randomUUID();
      await s.createSession(session(uid, 's1'));
      await s.rotateRefresh(rotate(uid, 's1', 's1', 'n1'));
      await s.rotateRefresh(rotate(uid, 's1', 'n1', 'n2'));
      assert.deepEqual(await s.rotateRefresh(rotate(uid, 's1', 's1', 'n1')), { status: 'reused' });
      assert.equal(await s.isSessionAlive(uid, 's1'), false);
      assert.deepEqual(await s.rotateRefresh(rotate(uid, 's1', 'n2', 'n3')), { status: 'invalid' });
    });

    it('treats the rotated token as reuse after the grace', async () => {
      const s = harness.store();
      const uid = randomUUID();
      await s.createSession(session(uid, 's1'));
      await s.rotateRefresh(rotate(uid, 's1', 's1', 'n1', 100));
      await harness.expire(0.25);
      assert.deepEqual(await s.rotateRefresh(rotate(uid, 's1', 's1', 'n1', 100)), { status: 'reused' });
      assert.equal(await s.isSessionAlive(uid, 's1'), false);
    });

    it('answers invalid (not reuse) for a hash the session never had', async () => {
      const s = harness.store();
      const uid = randomUUID();
      await s.createSession(session(uid, 's1'));
      assert.deepEqual(await s.rotateRefresh(rotate(uid, 's1', 'f', 'g')), { status: 'invalid' });
      assert.equal(await s.isSessionAlive(uid, 's1'), true);
      assert.deepEqual(await s.rotateRefresh(rotate(randomUUID(), 's1', 's1', 'n1')), { status: 'invalid' });
    });

    it('does not take a rotated token for a retry when it names another successor', async () => {
      const s = harness.store();
      const uid = randomUUID();
      await s.createSession(session(uid, 's1'));
      await s.rotateRefresh(rotate(uid, 's1', 's1', 'n1'));
      assert.deepEqual(await s.rotateRefresh(rotate(uid, 's1', 's1', 'other')), { status: 'reused' });
      assert.equal(await s.isSessionAlive(uid, 's1'), false);
    });

    it('gives every one of many concurrent rotations of one token the same live successor', async () => {
      const s = harness.store();
      const uid = randomUUID();
      await s.createSession(session(uid, 'c'));
      const results = await Promise.all(
        Array.from({ length: 20 }, () => s.rotateRefresh(rotate(uid, 'c', 'c', 'next'))),
      );
      assert.equal(results.filter((r) => r.status === 'rotated').length, 1);
      assert.equal(results.filter((r) => r.status === 'retried').length, 19);
      assert.equal(await s.isSessionAlive(uid, 'c'), true);
      assert.equal((await s.rotateRefresh(rotate(uid, 'c', 'next', 'after'))).status, 'rotated');
    });

    it('deletes a session by its refresh hash (current or older) and not by a foreign one', async () => {
      const s = harness.store();
      const uid = randomUUID();
      await s.createSession(session(uid, 'd'));
      await s.rotateRefresh(rotate(uid, 'd', 'd', 'd2'));
      assert.equal(await s.deleteSessionByRefresh(uid, 'd', h('9')), false);
      assert.equal(await s.isSessionAlive(uid, 'd'), true);
      assert.equal(await s.deleteSessionByRefresh(uid, 'd', h('d')), true);
      assert.equal(await s.isSessionAlive(uid, 'd'), false);
    });

    it("lists a user's live sessions with when, where from and what client", async () => {
      const s = harness.store();
      const uid = randomUUID();
      await s.createSession(session(uid, 'one', { ip: '198.51.100.7', userAgent: 'curl/8' }));
      await harness.expire(0.01);
      await s.createSession(session(uid, 'two'));
      await s.createSession(session(uid, 'gone'));
      await s.deleteSession(uid, 'gone');
      const list = await s.listSessions(uid);
      assert.deepEqual(
        list.map((x) => [x.sid, x.ip, x.userAgent]),
        [
          ['one', '198.51.100.7', 'curl/8'],
          ['two', '192.0.2.1', 'contract-test/1.0'],
        ],
      );
      for (const x of list) {
        assert.ok(x.createdAt > 1_600_000_000_000 && x.lastSeenAt === x.createdAt, JSON.stringify(x));
      }
      assert.deepEqual(await s.listSessions(randomUUID()), []);
    });

    it('records last use at most once a minute and never revives a deleted session', async () => {
      const s = harness.store();
      const uid = randomUUID();
      await s.createSession(session(uid, 'seen'));
      const [before] = await s.listSessions(uid);
      await s.touchSession(uid, 'seen');
      assert.equal((await s.listSessions(uid))[0]!.lastSeenAt, before!.lastSeenAt, 'not within the minute');
      await s.deleteSession(uid, 'seen');
      await s.touchSession(uid, 'seen');
      assert.equal(await s.isSessionAlive(uid, 'seen'), false);
      assert.deepEqual(await s.listSessions(uid), []);
    });

    it("keeps the session's auth_time and amr, updates them on re-authentication, never revives a session", async () => {
      const s = harness.store();
      const uid = randomUUID();
      await s.createSession(
        session(uid, 'proved', { auth: { authTime: 1_700_000_123, amr: ['pwd', 'otp', 'mfa'] } }),
      );
      assert.deepEqual(await s.sessionAuth(uid, 'proved'), {
        authTime: 1_700_000_123,
        amr: ['pwd', 'otp', 'mfa'],
      });
      // A rotation keeps the proof: it is the session's, not the refresh token's.
      await s.rotateRefresh(rotate(uid, 'proved', 'proved', 'proved-2'));
      assert.equal(
        await s.setSessionAuth(uid, 'proved', { authTime: 1_700_000_999, amr: ['hwk', 'user', 'mfa'] }),
        true,
      );
      assert.deepEqual(await s.sessionAuth(uid, 'proved'), {
        authTime: 1_700_000_999,
        amr: ['hwk', 'user', 'mfa'],
      });
      await s.deleteSession(uid, 'proved');
      assert.equal(await s.sessionAuth(uid, 'proved'), null);
      assert.equal(await s.setSessionAuth(uid, 'proved', { authTime: 1, amr: ['pwd'] }), false);
      assert.equal(await s.isSessionAlive(uid, 'proved'), false, 'not recreated');
      assert.equal(await s.sessionAuth(randomUUID(), 'never'), null);
    });

    it('deletes every session of a user and counts the live ones', async () => {
      const s = harness.store();
      const uid = randomUUID();
      const other = randomUUID();
      for (const sid of ['a', 'b', 'c']) await s.createSession(session(uid, sid));
      await s.createSession(session(other, 'a'));
      await s.deleteSession(uid, 'b');
      assert.equal(await s.countSessions(uid), 2);
      assert.equal(await s.deleteAllSessions(uid), 2);
      assert.equal(await s.isSessionAlive(uid, 'a'), false);
      assert.equal(await s.isSessionAlive(other, 'a'), true);
      assert.equal(await s.deleteAllSessions(uid), 0);
      assert.equal(await s.countSessions(uid), 0);
    });

    it('ends all sessions but one; the kept one still verifies and rotates', async () => {
      const s = harness.store();
      const uid = randomUUID();
      for (const sid of ['keep', 'x', 'y']) await s.createSession(session(uid, sid));
      assert.equal(await s.deleteOtherSessions(uid, 'keep'), 2);
      assert.equal(await s.isSessionAlive(uid, 'x'), false);
      assert.equal(await s.isSessionAlive(uid, 'keep'), true);
      assert.equal((await s.rotateRefresh(rotate(uid, 'keep', 'keep', 'keep2'))).status, 'rotated');
      assert.equal(await s.isSessionAlive(uid, 'keep'), true);
      assert.equal(await s.countSessions(uid), 1);
    });

    it('a repeated ending (same generation) keeps the sessions opened after it, and the kept one', async () => {
      const s = harness.store();
      const uid = randomUUID();
      for (const sid of ['old', 'keep']) await s.createSession(session(uid, sid));
      assert.equal(await s.deleteOtherSessions(uid, 'keep', 'gen-1'), 1);
      await s.createSession(session(uid, 'new'));
      assert.equal(
        await s.deleteOtherSessions(uid, 'keep', 'gen-1'),
        0,
        'a replay ends nothing opened since',
      );
      assert.equal(await s.isSessionAlive(uid, 'new'), true);
      assert.equal(await s.isSessionAlive(uid, 'keep'), true);
      assert.equal(await s.isSessionAlive(uid, 'old'), false);
      assert.equal(await s.deleteAllSessions(uid, 'gen-2'), 2);
      assert.equal(await s.isSessionAlive(uid, 'new'), false);
      assert.equal(await s.isSessionAlive(uid, 'keep'), false);
    });

    it('login limits: checking writes nothing; exactly `limit` failures pass, even concurrently', async () => {
      const s = harness.store();
      const r = rule(5);
      for (let i = 0; i < 20; i++) assert.deepEqual(await s.checkLoginLimits([r]), { allowed: true });
      const results = await Promise.all(Array.from({ length: 20 }, () => s.recordLoginFailure([r])));
      assert.equal(results.filter((d) => d.allowed).length, 5);
      const refused = results.find((d) => !d.allowed);
      assert.ok(
        refused && !refused.allowed && refused.retryAfterSeconds > 0 && refused.retryAfterSeconds <= 60,
      );
      const check = await s.checkLoginLimits([r]);
      assert.ok(!check.allowed && check.retryAfterSeconds <= 60);
    });

    it('login limits: a success clears the account counter but not a reached limit', async () => {
      const s = harness.store();
      const account = rule(3);
      const ip = rule(100);
      await s.recordLoginFailure([account, ip]);
      await s.recordLoginFailure([account, ip]);
      assert.deepEqual(await s.recordLoginSuccess([account, ip], account), { allowed: true });
      // Cleared: three more failures fit before the limit.
      for (let i = 0; i < 3; i++) assert.equal((await s.recordLoginFailure([account, ip])).allowed, true);
      assert.equal((await s.recordLoginFailure([account, ip])).allowed, false);
      // At the limit, a success is refused and clears nothing.
      assert.equal((await s.recordLoginSuccess([account, ip], account)).allowed, false);
      assert.equal((await s.checkLoginLimits([account, ip])).allowed, false);
    });

    it('login limits: any rule at its limit refuses, with the longest wait', async () => {
      const s = harness.store();
      const account = rule(10, 60);
      const ip = rule(1, 30);
      assert.equal((await s.recordLoginFailure([account, ip])).allowed, true);
      const d = await s.checkLoginLimits([account, ip]);
      assert.ok(!d.allowed && d.retryAfterSeconds > 20 && d.retryAfterSeconds <= 30, JSON.stringify(d));
      assert.equal((await s.checkLoginLimits([account])).allowed, true);
    });

    it('expires sessions and counters by TTL', async () => {
      const s = harness.store();
      const uid = randomUUID();
      await s.createSession(session(uid, 't', { ttlSeconds: 1 }));
      const r = rule(1, 1);
      await s.recordLoginFailure([r]);
      assert.equal((await s.checkLoginLimits([r])).allowed, false);
      await harness.expire(1.2);
      assert.equal(await s.isSessionAlive(uid, 't'), false);
      assert.equal(await s.countSessions(uid), 0);
      assert.deepEqual(await s.rotateRefresh(rotate(uid, 't', 't', 'u')), { status: 'invalid' });
      assert.equal((await s.checkLoginLimits([r])).allowed, true);
    });

    it('single-use values: taken once, replaced by a later put, gone after their TTL', async () => {
      const s = harness.store();
      const k = keys.oneTime('test', randomUUID());
      assert.equal(await s.takeOnce(k), null);
      await s.putOnce(k, 'first', 60);
      await s.putOnce(k, 'second', 60);
      assert.equal(await s.takeOnce(k), 'second');
      assert.equal(await s.takeOnce(k), null, 'taken already');
      await s.putOnce(k, 'many', 60);
      const takers = await Promise.all(Array.from({ length: 8 }, () => s.takeOnce(k)));
      assert.deepEqual(
        takers.filter((v) => v !== null),
        ['many'],
        'of concurrent takers exactly one gets it',
      );
      const short = keys.oneTime('test', randomUUID());
      await s.putOnce(short, 'brief', 1);
      await harness.expire(1.2);
      assert.equal(await s.takeOnce(short), null);
    });

    it('pings', async () => {
      await harness.store().ping();
    });
  });
}
