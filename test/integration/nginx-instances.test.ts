/**
 * Two tollgate instances (one with 2 workers, one with 1) on one Redis and one signing
 * key, behind Debian's nginx configured from deploy/nginx/tollgate.conf: no revoked
 * token is accepted by any instance, refresh reuse is caught across instances, the
 * login lockout counts failures on both and sees the client's IP (TRUST_PROXY), and
 * requests keep flowing when an instance dies. Runs the built CLI (`npm run build`).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../helpers/ports.js';
import { startPostgres, type PostgresHandle } from '../helpers/postgres-server.js';
import { startRedis, type RedisServerHandle } from '../helpers/redis-server.js';
import { call, login, register } from '../helpers/http.js';
import { CLI, inLanes, startTollgate, type TollgateProcess } from '../helpers/tollgate-process.js';
import { waitFor, within } from '../helpers/wait.js';

const NGINX = '/usr/sbin/nginx';
const TEMPLATE = resolve(import.meta.dirname, '../../deploy/nginx/tollgate.conf');
const PASSWORD = 'correct horse battery staple';
const PAIRS = 200;

/** The deploy template with the test's listen port and upstreams (instead of the compose services). */
function renderConfig(dir: string, port: number, upstreams: number[]): string {
  let i = 0;
  const site = readFileSync(TEMPLATE, 'utf8')
    .replace(/listen\s+80\s*;/, `listen 127.0.0.1:${port};`)
    .replace(
      /(\n\s*server\s+)tollgate-\d+:8000\b/g,
      (_m, lead: string) => `${lead}127.0.0.1:${upstreams[i++]}`,
    );
  assert.equal(i, upstreams.length, 'the template lists one upstream server per instance');
  return [
    'worker_processes 1;',
    `error_log ${dir}/error.log warn;`,
    'events { worker_connections 1024; }',
    'http {',
    `  client_body_temp_path ${dir}/client_body;`,
    `  proxy_temp_path ${dir}/proxy;`,
    `  fastcgi_temp_path ${dir}/fastcgi;`,
    `  uwsgi_temp_path ${dir}/uwsgi;`,
    `  scgi_temp_path ${dir}/scgi;`,
    site,
    '}',
    '',
  ].join('\n');
}

interface Nginx {
  url: string;
  stop(): Promise<void>;
}

async function startNginx(upstreams: number[]): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-nginx-'));
  chmodSync(dir, 0o755);
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, renderConfig(dir, port, upstreams));
  const child: ChildProcess = spawn(
    NGINX,
    ['-p', dir, '-c', conf, '-g', `daemon off; pid ${dir}/nginx.pid;`],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await within(exited, 5000, 'nginx stop').catch(() => child.kill('SIGKILL'));
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
        const r = await call(url, 'GET', '/health/live', { fresh: true, timeoutMs: 1000 });
        return r.status === 200;
      },
      { timeoutMs: 10_000, intervalMs: 100, what: 'nginx to answer' },
    );
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}: ${stderr}`);
  }
  return { url, stop };
}

/** Requests with this route counted by one instance's own /metrics. */
async function servedBy(instance: TollgateProcess, route: string): Promise<number> {
  const text = (await call(instance.url, 'GET', '/metrics', { fresh: true })).text;
  let n = 0;
  for (const line of text.split('\n')) {
    if (
      line.startsWith('http_server_request_duration_seconds_count{') &&
      line.includes(`http_route="${route}"`)
    ) {
      n += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return n;
}

describe(
  'two instances behind nginx',
  { timeout: 150_000, skip: !existsSync(NGINX) && `${NGINX} is not installed` },
  () => {
    let redis: RedisServerHandle;
    let pg: PostgresHandle;
    let a: TollgateProcess;
    let b: TollgateProcess;
    let nginx: Nginx;
    let keyDir: string;
    const users = Array.from({ length: 6 }, (_, i) => `edge-${i}@example.test`);

    before(async () => {
      [redis, pg] = await Promise.all([startRedis({ password: 'edge-redis-password' }), startPostgres()]);
      keyDir = mkdtempSync(join(tmpdir(), 'tollgate-key-'));
      const keyFile = join(keyDir, 'signing-key.pem');
      writeFileSync(keyFile, execFileSync(process.execPath, [CLI, 'keys', 'generate'], { timeout: 10_000 }), {
        mode: 0o600,
      });
      const env = {
        REDIS_URL: redis.url,
        DATABASE_URL: pg.url,
        JWT_PRIVATE_KEY_FILE: keyFile,
        TRUST_PROXY: '127.0.0.1',
        // Instances behind one balancer share the address users reach: one issuer.
        PUBLIC_URL: 'http://auth.tollgate.test',
        LOGIN_MAX_FAILURES_PER_ACCOUNT_IP: '3',
        LOGIN_MAX_FAILURES_PER_IP: '100000',
      };
      [a, b] = await Promise.all([
        startTollgate({ env: { ...env, WORKERS: '2' }, expectWorkers: 2, readyTimeoutMs: 60_000 }),
        startTollgate({ env: { ...env, WORKERS: '1' }, readyTimeoutMs: 60_000 }),
      ]);
      nginx = await startNginx([a.port, b.port]);
      await Promise.all(users.map((u) => register(nginx.url, u, PASSWORD)));
    });

    after(async () => {
      await nginx?.stop();
      await Promise.all([a?.stop(), b?.stop()]);
      await redis?.stop();
      await pg?.stop();
      if (keyDir) rmSync(keyDir, { recursive: true, force: true });
    });

    test(`${PAIRS} logout → verify pairs through nginx: 0 stale accepts`, async () => {
      const [beforeA, beforeB] = [await servedBy(a, '/api/protected'), await servedBy(b, '/api/protected')];
      let stale = 0;
      const t0 = Date.now();
      await inLanes(PAIRS, users.length, async (_i, lane) => {
        const tokens = await login(nginx.url, users[lane]!, PASSWORD);
        const ok = await call(nginx.url, 'GET', '/api/protected', {
          token: tokens.access,
          fresh: true,
        });
        assert.equal(ok.status, 200);
        assert.equal(
          (await call(nginx.url, 'POST', '/auth/logout', { token: tokens.access, fresh: true })).status,
          200,
        );
        for (let k = 0; k < 2; k++) {
          const v = await call(nginx.url, 'GET', '/api/protected', {
            token: tokens.access,
            fresh: true,
          });
          if (v.status !== 401) stale++;
        }
      });
      const servedA = (await servedBy(a, '/api/protected')) - beforeA;
      const servedB = (await servedBy(b, '/api/protected')) - beforeB;
      console.log(
        `# nginx: ${PAIRS} pairs (${PAIRS * 5} requests) in ${Date.now() - t0} ms; verifies served by A ${servedA}, B ${servedB}; stale accepts: ${stale}`,
      );
      assert.equal(stale, 0);
      assert.equal(servedA + servedB, PAIRS * 3);
      assert.ok(servedA > PAIRS / 2 && servedB > PAIRS / 2, 'both instances served');
    });

    test('refresh reuse is caught across instances; every instance verifies the other’s tokens', async () => {
      const first = await login(nginx.url, users[0]!, PASSWORD);
      // The JWKS of both instances is the same key.
      const jwksA = await call(a.url, 'GET', '/.well-known/jwks.json');
      const jwksB = await call(b.url, 'GET', '/.well-known/jwks.json');
      assert.deepEqual(jwksA.body, jwksB.body);
      for (const inst of [a, b]) {
        assert.equal((await call(inst.url, 'GET', '/api/protected', { token: first.access })).status, 200);
      }
      const rotated = await call(a.url, 'POST', '/auth/refresh', {
        body: { refresh_token: first.refresh },
      });
      assert.equal(rotated.status, 200);
      // The successor is used on the other instance; then the first token is reuse.
      const again = await call(b.url, 'POST', '/auth/refresh', {
        body: { refresh_token: (rotated.body as { refresh_token: string }).refresh_token },
      });
      assert.equal(again.status, 200);
      const next = again.body as { access_token: string; refresh_token: string };
      const reuse = await call(b.url, 'POST', '/auth/refresh', {
        body: { refresh_token: first.refresh },
      });
      assert.equal(reuse.status, 401);
      for (const inst of [a, b, a, b]) {
        assert.equal(
          (await call(inst.url, 'GET', '/api/protected', { token: next.access_token, fresh: true })).status,
          401,
        );
      }
      const viaNginx = await call(nginx.url, 'POST', '/auth/refresh', {
        body: { refresh_token: next.refresh_token },
      });
      assert.equal(viaNginx.status, 401);
    });

    test('the lockout counts failures on both instances and sees the client IP, not nginx’s', async () => {
      const email = users[1]!;
      const from = (localAddress: string, password: string, headers: Record<string, string> = {}) =>
        call(nginx.url, 'POST', '/auth/login', { body: { email, password }, localAddress, headers });
      for (let i = 0; i < 3; i++) assert.equal((await from('127.0.0.2', 'wrong password!')).status, 401);
      for (let k = 0; k < 4; k++) {
        const locked = await from('127.0.0.2', PASSWORD);
        assert.equal(locked.status, 429, 'locked on both instances');
        assert.ok(Number(locked.headers['retry-after']) > 0);
      }
      // A forged X-Forwarded-For does not get the client out of the lockout...
      assert.equal((await from('127.0.0.2', PASSWORD, { 'x-forwarded-for': '10.9.9.9' })).status, 429);
      // ...and another client address is not locked: tollgate saw the client's IP.
      assert.equal((await from('127.0.0.3', PASSWORD)).status, 200);
    });

    test('an instance that dies is skipped: requests keep succeeding through nginx', async () => {
      const tokens = await login(nginx.url, users[2]!, PASSWORD);
      await b.stop();
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) {
        statuses.push(
          (await call(nginx.url, 'GET', '/api/protected', { token: tokens.access, fresh: true })).status,
        );
      }
      const again = await login(nginx.url, users[3]!, PASSWORD);
      assert.equal((await call(nginx.url, 'POST', '/auth/logout', { token: again.access })).status, 200);
      assert.deepEqual([...new Set(statuses)], [200]);
    });
  },
);
