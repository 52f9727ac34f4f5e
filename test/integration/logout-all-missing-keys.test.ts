/**
 * Ending sessions cannot depend on any one Redis key: for each kind of key a user's
 * sessions live under (the session index, the generation, the refresh history, another
 * session, tollgate's epoch), the key is deleted (as an eviction would), then the
 * sessions are ended each way there is. Every ended session's access AND refresh token
 * is then tried: the count of accepted ones (stale accepts) must be 0, and the session a
 * password change keeps must still work.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { decodeJwt } from 'jose';
import { OneTimeTokens } from '../../src/persistence/one-time-tokens.js';
import type { SqlUserDirectory } from '../../src/persistence/directory/sql-user-directory.js';
import { keys } from '../../src/store/keys.js';
import { composeTestApp, type TestApp } from '../helpers/app.js';
import { call, login, PASSWORD, register, type Session } from '../helpers/http.js';
import { startRedis, type RedisServerHandle } from '../helpers/redis-server.js';

const NEW_PASSWORD = 'a different long passphrase 42';

interface Family {
  uid: string;
  email: string;
  sids: string[];
  /** The current token pair of each session (each rotated once, so it has a history). */
  sessions: Session[];
  /** Each session's first refresh token, rotated away (presenting it again is reuse). */
  firstRefresh: string[];
}

/** Which sessions a way of ending must end, and which it must keep. */
interface Outcome {
  ended: number[];
  kept: number[];
}

let redis: RedisServerHandle;
let t: TestApp;
let admin: Session;

const post = (path: string, body: unknown, token?: string) =>
  call(t.target, 'POST', path, { body, ...(token ? { token } : {}) });

async function family(): Promise<Family> {
  const email = `fam-${randomUUID().slice(0, 12)}@example.test`;
  await register(t.target, email);
  const sessions: Session[] = [];
  const firstRefresh: string[] = [];
  for (let i = 0; i < 3; i++) {
    const first = await login(t.target, email);
    // Two rotations: the first token is then history (presenting it again is reuse, not a retry).
    const second = await post('/auth/refresh', { refresh_token: first.refresh });
    assert.equal(second.status, 200, second.text);
    const third = await post('/auth/refresh', { refresh_token: String(second.body.refresh_token) });
    assert.equal(third.status, 200, third.text);
    firstRefresh.push(first.refresh);
    sessions.push({ access: String(third.body.access_token), refresh: String(third.body.refresh_token) });
  }
  return {
    uid: String(decodeJwt(sessions[0]!.access).sub),
    email,
    sids: sessions.map((s) => String(decodeJwt(s.access).sid)),
    sessions,
    firstRefresh,
  };
}

const ALL: Outcome = { ended: [0, 1, 2], kept: [] };
const FIRST: Outcome = { ended: [0], kept: [1, 2] };

/** Every way a session ends, through the API. */
const WAYS: Record<string, (f: Family) => Promise<Outcome>> = {
  logout: async (f) => {
    await post('/auth/logout', undefined, f.sessions[0]!.access);
    return FIRST;
  },
  'revoke (refresh token)': async (f) => {
    await post('/auth/revoke', { token: f.sessions[0]!.refresh });
    return FIRST;
  },
  'refresh reuse': async (f) => {
    const r = await post('/auth/refresh', { refresh_token: f.firstRefresh[0] });
    assert.equal(r.status, 401, 'the reused token itself is refused');
    return FIRST;
  },
  'end one session from another': async (f) => {
    await call(t.target, 'DELETE', `/auth/sessions/${f.sids[0]}`, { token: f.sessions[1]!.access });
    return FIRST;
  },
  'logout-all': async (f) => {
    await post('/auth/logout-all', undefined, f.sessions[0]!.access);
    return ALL;
  },
  'password change': async (f) => {
    await post(
      '/auth/password',
      { current_password: PASSWORD, new_password: NEW_PASSWORD },
      f.sessions[0]!.access,
    );
    return { ended: [1, 2], kept: [0] };
  },
  'password reset': async (f) => {
    const links = new OneTimeTokens((t.composition.directory as SqlUserDirectory).db);
    const token = await links.issue('password_reset', { userId: f.uid, email: f.email }, 600);
    const r = await post('/auth/password-reset', { token, new_password: NEW_PASSWORD });
    assert.equal(r.status, 200, r.text);
    return ALL;
  },
  'admin logout-all': async (f) => {
    await post(`/admin/users/${f.uid}/logout-all`, undefined, admin.access);
    return ALL;
  },
  'admin disable': async (f) => {
    await post(`/admin/users/${f.uid}/disable`, undefined, admin.access);
    return ALL;
  },
  'admin delete': async (f) => {
    await call(t.target, 'DELETE', `/admin/users/${f.uid}`, { token: admin.access });
    return ALL;
  },
  'account deletion': async (f) => {
    await call(t.target, 'DELETE', '/auth/account', {
      token: f.sessions[0]!.access,
      body: { password: PASSWORD },
    });
    return ALL;
  },
};

/** The keys lost before the sessions are ended (as an eviction would lose them). */
const LOSSES: Record<string, (f: Family) => string[]> = {
  'session index': (f) => [keys.userSessions(f.uid)],
  generation: (f) => [keys.userGeneration(f.uid)],
  'refresh history': (f) => f.sids.map((sid) => keys.sessionOldHashes(f.uid, sid)),
  'another session': (f) => [keys.session(f.uid, f.sids[2]!)],
  epoch: () => [keys.epoch],
};

/** Tries every ended session's access and refresh tokens; returns what was accepted. */
async function staleAccepts(f: Family, ended: number[]): Promise<{ access: number; refresh: number }> {
  let access = 0;
  let refresh = 0;
  for (const i of ended) {
    const s = f.sessions[i]!;
    if ((await call(t.target, 'GET', '/api/protected', { token: s.access })).status === 200) access++;
    if ((await post('/auth/refresh', { refresh_token: s.refresh })).status === 200) refresh++;
  }
  return { access, refresh };
}

describe('ending sessions whatever key is gone', () => {
  before(async () => {
    redis = await startRedis();
    t = await composeTestApp({ REDIS_URL: redis.url, REDIS_HEALTH_CHECK_INTERVAL: '1' });
    const email = `admin-${randomUUID().slice(0, 8)}@example.test`;
    await register(t.target, email);
    const account = await t.composition.directory.findByEmail(email);
    await t.composition.directory.setRoles(account!.id, ['admin']);
    admin = await login(t.target, email);
  });
  after(async () => {
    await t?.close();
    await redis?.stop();
  });

  for (const [lost, lose] of Object.entries(LOSSES)) {
    it(`after losing the ${lost}: every way of ending sessions leaves 0 accepted tokens`, async () => {
      const failures: string[] = [];
      let tried = 0;
      for (const [way, end] of Object.entries(WAYS)) {
        const f = await family();
        const gone = lose(f);
        // The epoch comes back at the next check (a replay): wait for it before losing it again.
        for (let i = 0; i < 100 && lost === 'epoch' && (await redis.cli('EXISTS', keys.epoch)) === '0'; i++) {
          await delay(50);
        }
        assert.ok(Number(await redis.cli('DEL', ...gone)) >= 1, `${lost}: nothing to delete`);
        const outcome = await end(f);
        // Losing the generation ends every session of the user (fail closed), the kept one too.
        const ended = lost === 'generation' ? [0, 1, 2] : outcome.ended;
        const kept =
          lost === 'generation' ? [] : outcome.kept.filter((i) => !(lost === 'another session' && i === 2));
        const stale = await staleAccepts(f, ended);
        tried += ended.length * 2;
        if (stale.access + stale.refresh > 0) {
          failures.push(`${way}: ${stale.access} access + ${stale.refresh} refresh tokens accepted`);
        }
        for (const i of kept) {
          const r = await call(t.target, 'GET', '/api/protected', { token: f.sessions[i]!.access });
          if (r.status !== 200) failures.push(`${way}: kept session ${i} refused (${r.status})`);
        }
      }
      console.log(`# lost the ${lost}: ${tried} ended tokens tried, ${failures.length} ways failed`);
      assert.deepEqual(failures, [], `stale accepts after losing the ${lost}: ${failures.join('; ')}`);
    });
  }
});
