/**
 * Real `allkeys-lru` eviction (allowed outside production, warned about): users with
 * three sessions each, then filler until Redis evicts a good share of tollgate's keys,
 * whichever it picks (session indexes, generations, sessions, refresh histories). Then
 * every user ends all their sessions (logout-all from a session that still works), and
 * every session's access and refresh token is tried: 0 may be accepted. The counts say
 * how many users had lost their index while a session lived (the case an index-only
 * logout-all missed).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { keys } from '../../src/store/keys.js';
import { composeTestApp, type TestApp } from '../helpers/app.js';
import { call, login, register, type Session } from '../helpers/http.js';
import { startRedis, type RedisServerHandle } from '../helpers/redis-server.js';

const USERS = 30;
let redis: RedisServerHandle;
let t: TestApp;

interface User {
  uid: string;
  sids: string[];
  sessions: Session[];
}

const exists = async (key: string): Promise<boolean> => (await redis.cli('EXISTS', key)) === '1';

describe('logout-all under real allkeys-lru eviction', () => {
  before(async () => {
    redis = await startRedis({ extraArgs: ['--maxmemory-policy', 'allkeys-lru'] });
    t = await composeTestApp({ REDIS_URL: redis.url });
  });
  after(async () => {
    await t?.close();
    await redis?.stop();
  });

  it('ends every session whatever Redis evicted: 0 accepted tokens', async () => {
    const users: User[] = [];
    for (let u = 0; u < USERS; u++) {
      const email = `evict-${u}-${randomUUID().slice(0, 8)}@example.test`;
      await register(t.target, email);
      const sessions: Session[] = [];
      for (let i = 0; i < 3; i++) sessions.push(await login(t.target, email));
      users.push({
        uid: String(decodeJwt(sessions[0]!.access).sub),
        sids: sessions.map((s) => String(decodeJwt(s.access).sid)),
        sessions,
      });
    }
    const tgKeys = async () =>
      (await redis.cli('--scan', '--pattern', 'tg:*')).split('\n').filter(Boolean).length;
    const before = await tgKeys();
    const used = Number(/used_memory:(\d+)/.exec(await redis.cli('INFO', 'memory'))?.[1]);
    await redis.cli('CONFIG', 'SET', 'maxmemory', String(used + 512 * 1024));
    const filler = 'x'.repeat(2048);
    let batches = 0;
    for (; batches < 400 && (await tgKeys()) > before * 0.85; batches++) {
      const args = Array.from({ length: 20 }, (_, j) => [`filler:${batches}:${j}`, filler]).flat();
      await redis.cli('MSET', ...args);
    }
    const evicted = Number(/evicted_keys:(\d+)/.exec(await redis.cli('INFO', 'stats'))?.[1]);
    const left = await tgKeys();
    // Make room again (filler first) so that ending sessions is not itself refused or evicted.
    await redis.cli('CONFIG', 'SET', 'maxmemory', '0');

    let indexLostWithLiveSession = 0;
    let generationLost = 0;
    let endedByLogoutAll = 0;
    for (const u of users) {
      const alive = await Promise.all(u.sids.map((sid) => exists(keys.session(u.uid, sid))));
      if (!(await exists(keys.userSessions(u.uid))) && alive.some(Boolean)) indexLostWithLiveSession++;
      if (!(await exists(keys.userGeneration(u.uid)))) generationLost++;
      for (const s of u.sessions) {
        const r = await call(t.target, 'POST', '/auth/logout-all', { token: s.access });
        if (r.status === 200) {
          endedByLogoutAll++;
          break;
        }
      }
    }
    let access = 0;
    let refresh = 0;
    for (const u of users) {
      for (const s of u.sessions) {
        if ((await call(t.target, 'GET', '/api/protected', { token: s.access })).status === 200) access++;
        const r = await call(t.target, 'POST', '/auth/refresh', { body: { refresh_token: s.refresh } });
        if (r.status === 200) refresh++;
      }
    }
    console.log(
      `# eviction: Redis evicted ${evicted} keys (tollgate keys ${before} → ${left}); ${indexLostWithLiveSession} users had lost their index with a session alive, ${generationLost} their generation; logout-all by ${endedByLogoutAll} users; accepted afterwards: ${access} access + ${refresh} refresh of ${USERS * 6}`,
    );
    assert.ok(left < before, 'Redis evicted some of tollgate keys');
    assert.equal(
      access + refresh,
      0,
      `stale accepts after eviction and logout-all: ${access} access + ${refresh} refresh`,
    );
  });
});
