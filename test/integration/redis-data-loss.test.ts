/**
 * An acknowledged end of a session stays in force when Redis loses writes. Each case
 * opens sessions, lets Redis keep a copy of them (an RDB snapshot, the AOF so far, a
 * replica in sync), then ends them every way there is (each answered 200 and each
 * checked: 401), then makes Redis lose those writes for real:
 *
 * - restart from the RDB snapshot (`--appendonly no --save '3600 1'`, `kill -9`, restart
 *   on the same directory);
 * - AOF after an operating-system crash: the AOF cut back to where it was before the
 *   ends (what `appendfsync everysec` can lose), then `kill -9` and restart;
 * - a replica promoted before it caught up (its link cut before the ends, the primary
 *   killed, `REPLICAOF NO ONE`, tollgate's connections moved to it).
 *
 * Right after, every ended session's access and refresh token is tried, repeatedly, from
 * the first moment: the number accepted (stale accepts) must be 0. A 503 while tollgate
 * replays its revocation log is allowed (counted), and sessions never ended work again.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readdirSync, statSync, truncateSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { decodeJwt } from 'jose';
import { keys } from '../../src/store/keys.js';
import { composeTestApp, type TestApp } from '../helpers/app.js';
import { call, login, PASSWORD, register, type Session } from '../helpers/http.js';
import { startRedis, type RedisServerHandle } from '../helpers/redis-server.js';

const started: Array<{ stop(): Promise<void> }> = [];
after(async () => {
  for (const s of started.reverse()) await s.stop().catch(() => undefined);
});

async function redisWith(...extraArgs: string[]): Promise<RedisServerHandle> {
  const r = await startRedis({ extraArgs });
  started.push(r);
  return r;
}

async function app(redisUrl: string): Promise<TestApp> {
  const t = await composeTestApp({ REDIS_URL: redisUrl });
  started.push({ stop: () => t.close() });
  return t;
}

interface User {
  email: string;
  uid: string;
  sessions: Session[];
}

interface Scenario {
  t: TestApp;
  users: User[];
  /** Rotated-away refresh tokens of users[5]'s first session (presenting one is reuse). */
  firstRefresh: string;
  admin: Session;
}

const post = (t: TestApp, path: string, body?: unknown, token?: string) =>
  call(t.target, 'POST', path, { ...(body === undefined ? {} : { body }), ...(token ? { token } : {}) });

/** Seven users with three sessions each; users[5]'s first session rotated twice. */
async function open(t: TestApp): Promise<Scenario> {
  const adminEmail = `admin-${randomUUID().slice(0, 8)}@example.test`;
  await register(t.target, adminEmail);
  const adminAccount = await t.composition.directory.findByEmail(adminEmail);
  await t.composition.directory.setRoles(adminAccount!.id, ['admin']);
  const admin = await login(t.target, adminEmail);
  const users: User[] = [];
  for (let u = 0; u < 7; u++) {
    const email = `loss-${u}-${randomUUID().slice(0, 8)}@example.test`;
    await register(t.target, email);
    const sessions = [];
    for (let i = 0; i < 3; i++) sessions.push(await login(t.target, email));
    users.push({ email, uid: String(decodeJwt(sessions[0]!.access).sub), sessions });
  }
  const firstRefresh = users[5]!.sessions[0]!.refresh;
  for (let i = 0; i < 2; i++) {
    const r = await post(t, '/auth/refresh', { refresh_token: users[5]!.sessions[0]!.refresh });
    assert.equal(r.status, 200, r.text);
    users[5]!.sessions[0] = { access: String(r.body.access_token), refresh: String(r.body.refresh_token) };
  }
  return { t, users, firstRefresh, admin };
}

/** Ends sessions every way there is; returns the ended ones and the ones that must live. */
async function endAll(s: Scenario): Promise<{ ended: Session[]; live: Session[] }> {
  const { t, users: u, admin } = s;
  const ok = async (what: string, r: Promise<{ status: number; text: string }>) => {
    const res = await r;
    assert.ok(res.status === 200 || res.status === 204, `${what}: ${res.status} ${res.text}`);
  };
  await ok('logout', post(t, '/auth/logout', undefined, u[0]!.sessions[0]!.access));
  await ok('logout-all', post(t, '/auth/logout-all', undefined, u[1]!.sessions[0]!.access));
  await ok('revoke', post(t, '/auth/revoke', { token: u[2]!.sessions[0]!.refresh }));
  await ok(
    'password change',
    post(
      t,
      '/auth/password',
      { current_password: PASSWORD, new_password: 'a different long passphrase 42' },
      u[3]!.sessions[0]!.access,
    ),
  );
  await ok('admin disable', post(t, `/admin/users/${u[4]!.uid}/disable`, undefined, admin.access));
  const reuse = await post(t, '/auth/refresh', { refresh_token: s.firstRefresh });
  assert.equal(reuse.status, 401, 'reuse is refused');
  await ok(
    'account deletion',
    call(t.target, 'DELETE', '/auth/account', {
      token: u[6]!.sessions[0]!.access,
      body: { password: PASSWORD },
    }),
  );
  const ended = [
    u[0]!.sessions[0]!,
    ...u[1]!.sessions,
    u[2]!.sessions[0]!,
    u[3]!.sessions[1]!,
    u[3]!.sessions[2]!,
    ...u[4]!.sessions,
    u[5]!.sessions[0]!,
    ...u[6]!.sessions,
  ];
  const live = [u[0]!.sessions[1]!, u[2]!.sessions[1]!, u[3]!.sessions[0]!, u[5]!.sessions[1]!];
  return { ended, live };
}

interface Probe {
  accessAccepted: number;
  refreshAccepted: number;
  unavailable: number;
  tries: number;
}

/** Tries every ended token `rounds` times, from now on. */
async function probe(t: TestApp, ended: Session[], rounds: number): Promise<Probe> {
  const p: Probe = { accessAccepted: 0, refreshAccepted: 0, unavailable: 0, tries: 0 };
  for (let round = 0; round < rounds; round++) {
    await Promise.all(
      ended.map(async (s) => {
        const a = await call(t.target, 'GET', '/api/protected', { token: s.access });
        const r = await post(t, '/auth/refresh', { refresh_token: s.refresh });
        p.tries += 2;
        if (a.status === 200) p.accessAccepted++;
        if (r.status === 200) p.refreshAccepted++;
        p.unavailable += Number(a.status === 503) + Number(r.status === 503);
      }),
    );
  }
  return p;
}

async function liveAgain(t: TestApp, live: Session[]): Promise<number> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    let ok = 0;
    for (const s of live) {
      if ((await call(t.target, 'GET', '/api/protected', { token: s.access })).status === 200) ok++;
    }
    if (ok === live.length || Date.now() > deadline) return ok;
    await delay(100);
  }
}

/** How many of the ended sessions' keys Redis holds (before tollgate replays: the loss). */
async function resurrected(redis: RedisServerHandle, ended: Session[]): Promise<number> {
  const names = ended.map((s) => {
    const c = decodeJwt(s.access);
    return keys.session(String(c.sub), String(c.sid));
  });
  return Number(await redis.cli('EXISTS', ...names));
}

async function judge(name: string, t: TestApp, ended: Session[], live: Session[]): Promise<void> {
  const p = await probe(t, ended, 10);
  const liveOk = await liveAgain(t, live);
  console.log(
    `# ${name}: ${p.tries} tries of ended tokens: ${p.accessAccepted} access + ${p.refreshAccepted} refresh accepted, ${p.unavailable} × 503; ${liveOk}/${live.length} live sessions work`,
  );
  assert.equal(
    p.accessAccepted + p.refreshAccepted,
    0,
    `${name}: stale accepts ${p.accessAccepted} access + ${p.refreshAccepted} refresh of ${p.tries} tries`,
  );
  assert.equal(liveOk, live.length, `${name}: sessions never ended work again`);
}

async function allRefused(t: TestApp, ended: Session[]): Promise<void> {
  const p = await probe(t, ended, 1);
  assert.equal(p.accessAccepted + p.refreshAccepted, 0, 'ended before the loss');
}

async function waitFor(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(50);
  }
}

const infoField = async (r: RedisServerHandle, section: string, field: string): Promise<string> =>
  new RegExp(`^${field}:(.*)$`, 'm').exec(await r.cli('INFO', section))?.[1]?.trim() ?? '';

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** A loopback proxy whose target can move (a promotion behind a stable address). */
async function movableProxy(targetPort: number) {
  let target = targetPort;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port: target });
    for (const s of [client, upstream]) sockets.add(s);
    const down = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', down).on('close', down);
    upstream.on('error', down).on('close', down);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const proxy = {
    url: `redis://127.0.0.1:${port}`,
    moveTo(p: number) {
      target = p;
      for (const s of sockets) s.destroy();
    },
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  started.push(proxy);
  return proxy;
}

describe('an acknowledged end of a session survives Redis losing writes', () => {
  it('restart from an RDB snapshot taken before the ends: 0 stale accepts', async () => {
    const redis = await redisWith('--appendonly', 'no', '--save', '3600 1');
    const t = await app(redis.url);
    const s = await open(t);
    const saved = await infoField(redis, 'persistence', 'rdb_last_save_time');
    await redis.cli('BGSAVE');
    await waitFor(
      'BGSAVE',
      async () =>
        (await infoField(redis, 'persistence', 'rdb_bgsave_in_progress')) === '0' &&
        (await infoField(redis, 'persistence', 'rdb_last_save_time')) !== saved,
    );
    const { ended, live } = await endAll(s);
    await allRefused(t, ended);
    await redis.kill();
    await redis.restart();
    const back = await resurrected(redis, ended);
    console.log(`# RDB: ${back}/${ended.length} ended sessions back in Redis right after the restart`);
    await judge('RDB restart', t, ended, live);
    assert.equal(await resurrected(redis, ended), 0, 'the replay deleted them again');
  });

  it('AOF cut back as an operating-system crash would (everysec): 0 stale accepts', async () => {
    const redis = await redisWith(
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--auto-aof-rewrite-percentage',
      '0',
    );
    const t = await app(redis.url);
    const s = await open(t);
    const aofDir = join(redis.dir, 'appendonlydir');
    const incr = readdirSync(aofDir).find((f) => f.endsWith('.incr.aof'));
    assert.ok(incr, 'a multi-part AOF');
    const cut = statSync(join(aofDir, incr)).size;
    const { ended, live } = await endAll(s);
    await allRefused(t, ended);
    await redis.kill();
    assert.ok(statSync(join(aofDir, incr)).size > cut, 'the ends were in the AOF');
    truncateSync(join(aofDir, incr), cut);
    await redis.restart();
    const back = await resurrected(redis, ended);
    console.log(`# AOF: ${back}/${ended.length} ended sessions back in Redis right after the restart`);
    await judge('AOF crash', t, ended, live);
  });

  it('a replica promoted before it caught up: 0 stale accepts', async () => {
    const primary = await redisWith();
    const replica = await redisWith('--replicaof', '127.0.0.1', String(primary.port));
    const proxy = await movableProxy(primary.port);
    const t = await app(proxy.url);
    const s = await open(t);
    await waitFor(
      'the replica to catch up',
      async () =>
        (await infoField(replica, 'replication', 'master_link_status')) === 'up' &&
        (await infoField(replica, 'replication', 'slave_repl_offset')) ===
          (await infoField(primary, 'replication', 'master_repl_offset')),
    );
    // The link breaks before the ends (the replica keeps what it has, and learns nothing more).
    await replica.cli('REPLICAOF', '127.0.0.1', String(await closedPort()));
    const { ended, live } = await endAll(s);
    await allRefused(t, ended);
    await primary.kill();
    await replica.cli('REPLICAOF', 'NO', 'ONE');
    const back = await resurrected(replica, ended);
    console.log(`# replica: ${back}/${ended.length} ended sessions alive on the promoted replica`);
    proxy.moveTo(replica.port);
    await judge('replica promotion', t, ended, live);
  });
});
