/**
 * The Store contract: one suite, run against the memory store (unit) and the Redis
 * store on a real redis-server (integration). Both must behave identically.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { Store, UserRecord } from '../../src/store/store.js';

export interface ContractHarness {
  store: () => Store;
  /** Moves time forward (memory: fake clock; redis: waits or uses short TTLs). */
  expire?: (seconds: number) => Promise<void>;
}

const user = (email = `u-${randomUUID()}@example.test`): UserRecord => ({
  id: randomUUID(),
  email,
  passwordHash: '$argon2id$fake',
  createdAt: Date.now(),
});

const h = (s: string): string => s.padEnd(64, '0');

export function storeContract(name: string, harness: ContractHarness): void {
  describe(`Store contract: ${name}`, () => {
    it('creates a user once and finds it by email', async () => {
      const s = harness.store();
      const u = user();
      assert.equal(await s.createUser(u), true);
      assert.equal(await s.createUser({ ...u, id: randomUUID() }), false);
      const found = await s.findUserByEmail(u.email);
      assert.deepEqual(found, u);
      assert.equal(await s.findUserByEmail(`missing-${u.email}`), null);
    });

    it('keeps a session alive until it is deleted', async () => {
      const s = harness.store();
      const uid = randomUUID();
      await s.createSession({ uid, sid: 'sid-a', email: 'a@x.test', refreshHash: h('a'), ttlSeconds: 60 });
      assert.equal(await s.isSessionAlive(uid, 'sid-a'), true);
      assert.equal(await s.isSessionAlive(uid, 'sid-b'), false);
      assert.equal(await s.deleteSession(uid, 'sid-a'), true);
      assert.equal(await s.isSessionAlive(uid, 'sid-a'), false);
      assert.equal(await s.deleteSession(uid, 'sid-a'), false);
    });

    it('rotates a refresh hash, then treats the old one as reuse and revokes the session', async () => {
      const s = harness.store();
      const uid = randomUUID();
      await s.createSession({ uid, sid: 's1', email: 'r@x.test', refreshHash: h('1'), ttlSeconds: 60 });
      const r1 = await s.rotateRefresh(uid, 's1', h('1'), h('2'), 60);
      assert.deepEqual(r1, { status: 'rotated', session: { uid, sid: 's1', email: 'r@x.test' } });
      const r2 = await s.rotateRefresh(uid, 's1', h('2'), h('3'), 60);
      assert.equal(r2.status, 'rotated');
      // h('1') is an older member of the family: reuse.
      assert.deepEqual(await s.rotateRefresh(uid, 's1', h('1'), h('4'), 60), { status: 'reused' });
      assert.equal(await s.isSessionAlive(uid, 's1'), false);
      // After revocation even the current one is dead.
      assert.deepEqual(await s.rotateRefresh(uid, 's1', h('3'), h('5'), 60), { status: 'invalid' });
    });

    it('answers invalid (not reuse) for a hash the session never had', async () => {
      const s = harness.store();
      const uid = randomUUID();
      await s.createSession({ uid, sid: 's1', email: 'r@x.test', refreshHash: h('1'), ttlSeconds: 60 });
      assert.deepEqual(await s.rotateRefresh(uid, 's1', h('f'), h('2'), 60), { status: 'invalid' });
      assert.equal(await s.isSessionAlive(uid, 's1'), true);
      assert.deepEqual(await s.rotateRefresh(randomUUID(), 's1', h('1'), h('2'), 60), { status: 'invalid' });
    });

    it('lets exactly one of many concurrent rotations of the same hash win', async () => {
      const s = harness.store();
      const uid = randomUUID();
      await s.createSession({ uid, sid: 'c', email: 'c@x.test', refreshHash: h('0'), ttlSeconds: 60 });
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => s.rotateRefresh(uid, 'c', h('0'), h(`n${i}`), 60)),
      );
      assert.equal(results.filter((r) => r.status === 'rotated').length, 1);
      // The losers presented a rotated-away hash: that is reuse, so the session is revoked.
      assert.ok(results.some((r) => r.status === 'reused'));
      assert.equal(await s.isSessionAlive(uid, 'c'), false);
    });

    it('deletes a session by its refresh hash (current or older) and not by a foreign one', async () => {
      const s = harness.store();
      const uid = randomUUID();
      await s.createSession({ uid, sid: 'd', email: 'd@x.test', refreshHash: h('1'), ttlSeconds: 60 });
      await s.rotateRefresh(uid, 'd', h('1'), h('2'), 60);
      assert.equal(await s.deleteSessionByRefresh(uid, 'd', h('9')), false);
      assert.equal(await s.isSessionAlive(uid, 'd'), true);
      assert.equal(await s.deleteSessionByRefresh(uid, 'd', h('1')), true);
      assert.equal(await s.isSessionAlive(uid, 'd'), false);
    });

    it('deletes every session of a user and counts the live ones', async () => {
      const s = harness.store();
      const uid = randomUUID();
      const other = randomUUID();
      for (const sid of ['a', 'b', 'c']) {
        await s.createSession({ uid, sid, email: 'm@x.test', refreshHash: h(sid), ttlSeconds: 60 });
      }
      await s.createSession({ uid: other, sid: 'a', email: 'o@x.test', refreshHash: h('o'), ttlSeconds: 60 });
      await s.deleteSession(uid, 'b');
      assert.equal(await s.deleteAllSessions(uid), 2);
      assert.equal(await s.isSessionAlive(uid, 'a'), false);
      assert.equal(await s.isSessionAlive(other, 'a'), true);
      assert.equal(await s.deleteAllSessions(uid), 0);
    });

    it('limits attempts atomically under concurrency and reports a retry time', async () => {
      const s = harness.store();
      const rule = { key: `tg:rl:test:${randomUUID()}`, limit: 5, windowSeconds: 60 };
      const results = await Promise.all(Array.from({ length: 20 }, () => s.consumeAttempt([rule])));
      assert.equal(results.filter((r) => r.allowed).length, 5);
      const blocked = results.find((r) => !r.allowed);
      assert.ok(
        blocked && !blocked.allowed && blocked.retryAfterSeconds > 0 && blocked.retryAfterSeconds <= 60,
      );
    });

    it('refunds and resets attempts', async () => {
      const s = harness.store();
      const rule = { key: `tg:rl:test:${randomUUID()}`, limit: 2, windowSeconds: 60 };
      assert.equal((await s.consumeAttempt([rule])).allowed, true);
      assert.equal((await s.consumeAttempt([rule])).allowed, true);
      assert.equal((await s.consumeAttempt([rule])).allowed, false);
      await s.refundAttempt(rule);
      assert.equal((await s.consumeAttempt([rule])).allowed, true);
      await s.resetAttempts(rule);
      assert.equal((await s.consumeAttempt([rule])).allowed, true);
    });

    it('reserves nothing on any rule when one rule is at its limit', async () => {
      const s = harness.store();
      const a = { key: `tg:rl:test:${randomUUID()}`, limit: 3, windowSeconds: 60 };
      const b = { key: `tg:rl:test:${randomUUID()}`, limit: 1, windowSeconds: 60 };
      assert.equal((await s.consumeAttempt([a, b])).allowed, true);
      assert.equal((await s.consumeAttempt([a, b])).allowed, false);
      // a was refunded: two more fit on a alone.
      assert.equal((await s.consumeAttempt([a])).allowed, true);
      assert.equal((await s.consumeAttempt([a])).allowed, true);
      assert.equal((await s.consumeAttempt([a])).allowed, false);
    });

    if (harness.expire) {
      it('expires sessions and counters by TTL', async () => {
        const s = harness.store();
        const uid = randomUUID();
        await s.createSession({ uid, sid: 't', email: 't@x.test', refreshHash: h('t'), ttlSeconds: 1 });
        const rule = { key: `tg:rl:test:${randomUUID()}`, limit: 1, windowSeconds: 1 };
        await s.consumeAttempt([rule]);
        assert.equal((await s.consumeAttempt([rule])).allowed, false);
        await harness.expire!(1.2);
        assert.equal(await s.isSessionAlive(uid, 't'), false);
        assert.deepEqual(await s.rotateRefresh(uid, 't', h('t'), h('u'), 1), { status: 'invalid' });
        assert.equal((await s.consumeAttempt([rule])).allowed, true);
      });
    }

    it('pings', async () => {
      await harness.store().ping();
    });
  });
}
