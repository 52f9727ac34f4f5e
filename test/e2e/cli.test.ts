/**
 * The built CLI as a user runs it: `node dist/src/cli.js ...` (npm test builds first).
 * Walks login → protected → refresh → logout → refused on the memory store and on
 * Redis, and checks start-up refusals name the variable at fault.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createPrivateKey, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { call, PASSWORD } from '../helpers/http.js';
import { freePort } from '../helpers/ports.js';
import { startRedis, type RedisServerHandle } from '../helpers/redis-server.js';
import { waitFor, within } from '../helpers/wait.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../../src/persistence/directory/migrations.js';
import { variablesHelp } from '../../src/config/variables.js';

const CLI = join(process.cwd(), 'dist/src/cli.js');

function cli(args: string[], env: Record<string, string> = {}, input?: string) {
  return spawnSync(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
    ...(input === undefined ? {} : { input }),
  });
}

interface Served {
  url: string;
  child: ChildProcess;
  output: () => string;
  stop(): Promise<number | null>;
}

async function serve(env: Record<string, string>): Promise<Served> {
  const port = await freePort();
  const child = spawn(process.execPath, [CLI, 'serve'], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`server exited early (${child.exitCode})`);
        return (await call(url, 'GET', '/health/live', { fresh: true, timeoutMs: 500 })).status === 200;
      },
      { timeoutMs: 60_000, intervalMs: 100, what: 'the server to answer' },
    );
  } catch (err) {
    if (child.exitCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await gone;
    }
    throw new Error(`${(err as Error).message}: ${out}`);
  }
  return {
    url,
    child,
    output: () => out,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', (code) => {
          clearTimeout(kill);
          resolve(code);
        });
        child.kill('SIGTERM');
      }),
  };
}

async function walkTheFlow(url: string): Promise<void> {
  const email = `e2e-${randomUUID().slice(0, 8)}@example.test`;
  assert.equal(
    (await call(url, 'POST', '/auth/register', { body: { email, password: PASSWORD } })).status,
    201,
  );
  const login = await call(url, 'POST', '/auth/login', { body: { email, password: PASSWORD } });
  assert.equal(login.status, 200);
  const access = String(login.body.access_token);
  assert.equal((await call(url, 'GET', '/api/protected', { token: access })).status, 200);
  const refreshed = await call(url, 'POST', '/auth/refresh', {
    body: { refresh_token: login.body.refresh_token },
  });
  assert.equal(refreshed.status, 200);
  const access2 = String(refreshed.body.access_token);
  assert.equal((await call(url, 'GET', '/api/protected', { token: access2 })).status, 200);
  assert.equal((await call(url, 'POST', '/auth/logout', { token: access2 })).status, 200);
  const refused = await call(url, 'GET', '/api/protected', { token: access2 });
  assert.equal(refused.status, 401);
  assert.equal(refused.body.error, 'invalid_token');
  assert.equal((await call(url, 'GET', '/api/protected', { token: access })).status, 401);
}

describe('tollgate CLI (built)', () => {
  let varDir: string;
  before(() => {
    assert.ok(existsSync(CLI), 'run `npm run build` first (npm test does)');
    varDir = mkdtempSync(join(tmpdir(), 'tollgate-e2e-'));
    // Creates the embedded accounts database once (its first start takes a few seconds).
    const migrated = cli(['db', 'migrate'], { VAR_DIR: varDir });
    assert.equal(migrated.status, 0, migrated.stderr);
    const versions = MIGRATIONS.map((m) => m.version);
    assert.ok(
      migrated.stdout.includes(
        `applied migrations ${versions.join(', ')}; schema version ${LATEST_SCHEMA_VERSION}`,
      ),
      migrated.stdout,
    );
    assert.match(cli(['db', 'migrate'], { VAR_DIR: varDir }).stdout, /already up to date/);
  });
  after(() => rmSync(varDir, { recursive: true, force: true }));

  it('serve --help lists every variable with the default its declaration gives', () => {
    const r = cli(['serve', '--help']);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout.includes(variablesHelp()), r.stdout);
    assert.match(r.stdout, /^ {4}ACCESS_TOKEN_TTL +access token lifetime, seconds \[default: 900\]$/m);
  });

  it('prints its version and generates signing keys', () => {
    const v = cli(['--version']);
    assert.equal(v.status, 0);
    assert.match(v.stdout, /^\d+\.\d+\.\d+/);
    const k = cli(['keys', 'generate']);
    assert.equal(k.status, 0);
    assert.equal(createPrivateKey(k.stdout).asymmetricKeyType, 'ed25519');
    const ec = cli(['keys', 'generate', '--alg', 'ES256']);
    assert.equal(ec.status, 0);
    assert.equal(createPrivateKey(ec.stdout).asymmetricKeyDetails?.namedCurve, 'prime256v1');
    const bad = cli(['keys', 'generate', '--alg', 'HS256']);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /Allowed choices are EdDSA, ES256/);
  });

  it('prints the JWKS of the configured key, needing neither a store nor an ops token', () => {
    const keyFile = join(varDir, 'signing.pem');
    writeFileSync(keyFile, cli(['keys', 'generate']).stdout);
    const r = cli(['keys', 'jwks'], { JWT_PRIVATE_KEY_FILE: keyFile, DEPLOYMENT_ENV: 'production' });
    assert.equal(r.status, 0, r.stderr);
    const jwks = JSON.parse(r.stdout) as { keys: Array<Record<string, unknown>> };
    assert.equal(jwks.keys.length, 1);
    assert.equal(jwks.keys[0]!.alg, 'EdDSA');
    assert.ok(jwks.keys[0]!.kid);
    assert.equal(jwks.keys[0]!.d, undefined, 'no private part');
  });

  it('refuses to start on bad configuration, naming the variable', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ PORT: 'eighty' }, /PORT: must be a whole number/],
      [{ DEPLOYMENT_ENV: 'prod' }, /DEPLOYMENT_ENV: must be one of/],
      [{ WORKERS: '2' }, /WORKERS: the memory store/],
      [
        { DEPLOYMENT_ENV: 'production', REDIS_URL: 'redis://127.0.0.1:1', OPS_TOKEN: 'x'.repeat(20) },
        /JWT_PRIVATE_KEY: production requires a signing key/,
      ],
      [{ REDIS_URL: 'http://nope' }, /REDIS_URL: must use redis:\/\//],
    ];
    for (const [env, pattern] of cases) {
      const r = cli(['serve'], { VAR_DIR: varDir, ...env });
      assert.equal(r.status, 2, JSON.stringify(env));
      assert.match(r.stderr, pattern);
    }
  });

  it('names every bad variable in one run', () => {
    const r = cli(['serve'], { VAR_DIR: varDir, PORT: 'abc', WORKERS: 'x', LOG_LEVEL: 'loud' });
    assert.equal(r.status, 2);
    for (const variable of ['PORT', 'WORKERS', 'LOG_LEVEL'])
      assert.match(r.stderr, new RegExp(`${variable}: `));
  });

  it('reports the SMTP URL and the mail templates with the other variables, before opening anything', () => {
    const fresh = join(varDir, 'never-created');
    const started = Date.now();
    const r = cli(['serve'], {
      VAR_DIR: fresh,
      PORT: 'abc',
      SMTP_URL: 'smtp://x?foo=1',
      MAIL_TEMPLATES_DIR: '/nonexistent',
    });
    assert.equal(r.status, 2, r.stderr);
    assert.equal(
      r.stderr,
      [
        'tollgate: configuration error:',
        '  PORT: must be a whole number, got "abc"',
        '  SMTP_URL: unsupported query parameter "foo" (only requireTLS=true|false, with smtp://)',
        '  MAIL_TEMPLATES_DIR: cannot read the directory /nonexistent (ENOENT)',
        '',
      ].join('\n'),
    );
    assert.equal(r.stdout, '', 'nothing logged: nothing was started');
    assert.ok(!existsSync(fresh), 'no key, no database: nothing was opened');
    assert.ok(Date.now() - started < 30_000);
  });

  it('names an unknown command and lists the commands', () => {
    const r = cli(['frobnicate']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^error: unknown command 'frobnicate'\n/);
    for (const command of ['serve', 'keys', 'users', 'clients', 'db', 'loadtest'])
      assert.match(r.stderr, new RegExp(`^  ${command} +\\S`, 'm'), command);
    assert.doesNotMatch(r.stderr, /too many arguments/);
    // Known commands and options still work as before.
    assert.equal(cli(['help']).status, 0);
    assert.equal(cli(['keys', 'generate']).status, 0);
  });

  it('exits on SIGTERM even when whoever read its output has gone (stdout closed)', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [CLI, 'serve'], {
      env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), VAR_DIR: varDir },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await waitFor(
        async () =>
          (await call(`http://127.0.0.1:${port}`, 'GET', '/health/live', { fresh: true })).status === 200,
        { timeoutMs: 60_000, what: 'the server to answer' },
      );
      child.stdout.destroy(); // like `tollgate serve | head -1`
      child.kill('SIGTERM');
      assert.equal(await within(exited, 10_000, 'exit after SIGTERM with stdout closed'), 0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    }
  });

  it('runs on the memory store, says so, walks the whole flow and drains on SIGTERM', async () => {
    const s = await serve({ VAR_DIR: varDir });
    try {
      assert.match(s.output(), /memory store/);
      await walkTheFlow(s.url);
    } finally {
      assert.equal(await s.stop(), 0);
    }
    assert.ok(!s.output().includes(PASSWORD), 'no password in logs');
    assert.ok(!/eyJ[A-Za-z0-9_-]{20,}\./.test(s.output()), 'no token in logs');
  });

  it("users factors: lists an account's TOTP and passkeys and removes them, audited", async () => {
    const env = { VAR_DIR: varDir };
    const email = `factors-${randomUUID().slice(0, 8)}@example.test`;
    const s = await serve(env);
    try {
      await call(s.url, 'POST', '/auth/register', { body: { email, password: PASSWORD } });
      const token = async () =>
        String(
          (await call(s.url, 'POST', '/auth/login', { body: { email, password: PASSWORD } })).body
            .access_token,
        );
      let access = await token();
      // Development mail goes to the log: the verification link is read from there.
      await call(s.url, 'POST', '/auth/email-verification/request', { token: access });
      const link = await waitFor(() => /verify-email\?token=([A-Za-z0-9_-]{43})/.exec(s.output())?.[1], {
        what: 'the verification link in the log',
      });
      assert.equal(
        (await call(s.url, 'POST', '/auth/email-verification', { body: { token: link } })).status,
        200,
      );
      access = await token();
      const setup = await call(s.url, 'POST', '/auth/mfa/totp/setup', { token: access });
      assert.equal(setup.status, 200, setup.text);
      const { generateTotpCode } = await import('../../src/crypto/totp.js');
      const on = await call(s.url, 'POST', '/auth/mfa/totp/enable', {
        token: access,
        body: { code: generateTotpCode(String(setup.body.secret)) },
      });
      assert.equal(on.status, 200, on.text);
    } finally {
      assert.equal(await s.stop(), 0);
    }
    const listed = cli(['users', 'factors', 'list', '--email', email], env);
    assert.equal(listed.status, 0, listed.stderr);
    const view = JSON.parse(listed.stdout) as { passkeys: unknown[]; totp: { enabled: boolean } | null };
    assert.deepEqual(view.passkeys, []);
    assert.equal(view.totp?.enabled, true);
    const removed = cli(['users', 'factors', 'remove', '--email', email, '--factor', 'totp'], env);
    assert.equal(removed.status, 0, removed.stderr);
    assert.match(removed.stdout, /0 passkey\(s\) removed, TOTP removed/);
    assert.equal(
      (JSON.parse(cli(['users', 'factors', 'list', '--email', email], env).stdout) as { totp: unknown }).totp,
      null,
    );
    const again = cli(['users', 'factors', 'remove', '--email', email, '--factor', 'totp'], env);
    assert.notEqual(again.status, 0);
    assert.match(again.stderr, /no such factor/);
  });

  describe('on Redis', () => {
    let redis: RedisServerHandle;
    before(async () => {
      redis = await startRedis({ password: 'e2e-redis-secret' });
    });
    after(async () => redis?.stop());

    it('walks the flow, and a restart keeps keys and sessions', async () => {
      // The restart gets another port: the public address (and so the issuer) stays.
      const env = { VAR_DIR: varDir, REDIS_URL: redis.url, PUBLIC_URL: 'http://auth.tollgate.test' };
      const first = await serve(env);
      const email = `restart-${randomUUID().slice(0, 8)}@example.test`;
      let access: string;
      try {
        await walkTheFlow(first.url);
        await call(first.url, 'POST', '/auth/register', { body: { email, password: PASSWORD } });
        access = String(
          (await call(first.url, 'POST', '/auth/login', { body: { email, password: PASSWORD } })).body
            .access_token,
        );
      } finally {
        assert.equal(await first.stop(), 0);
      }
      assert.ok(!first.output().includes('e2e-redis-secret'), 'no Redis password in logs');
      const second = await serve(env);
      try {
        assert.equal((await call(second.url, 'GET', '/api/protected', { token: access })).status, 200);
      } finally {
        assert.equal(await second.stop(), 0);
      }
    });

    it('creates users in bulk that can then log in, and refuses bad input', async () => {
      const env = { VAR_DIR: varDir, REDIS_URL: redis.url };
      const prefix = `bulk-${randomUUID().slice(0, 6)}-`;
      // The password comes on standard input, never on the command line.
      const made = cli(['users', 'bulk', '--count', '3', '--prefix', prefix], env, `${PASSWORD}\n`);
      assert.equal(made.status, 0, made.stderr);
      assert.match(made.stdout, /created 3, already existed 0/);
      const again = cli(['users', 'bulk', '--count', '3', '--prefix', prefix], env, PASSWORD);
      assert.match(again.stdout, /created 0, already existed 3/);
      const s = await serve(env);
      try {
        const login = await call(s.url, 'POST', '/auth/login', {
          body: { email: `${prefix}2@example.test`, password: PASSWORD },
        });
        assert.equal(login.status, 200);
      } finally {
        assert.equal(await s.stop(), 0);
      }
      const bad: Array<[string[], string, RegExp]> = [
        [['--count', '0'], PASSWORD, /--count must be a whole number/],
        [['--count', '2'], 'short', /at least 8 characters/],
        [['--count', '2', '--password', PASSWORD], PASSWORD, /unknown option '--password'/],
      ];
      for (const [args, input, pattern] of bad) {
        const r = cli(['users', 'bulk', ...args], env, input);
        assert.equal(r.status, 1, args.join(' '));
        assert.match(r.stderr, pattern);
      }
    });

    it('stops with a clear error on a wrong Redis password', () => {
      const r = cli(['serve'], {
        VAR_DIR: varDir,
        REDIS_URL: `redis://:wrong@127.0.0.1:${redis.port}`,
        PORT: '0',
      });
      assert.notEqual(r.status, 0);
      assert.match(r.stderr + r.stdout, /auth|password/i);
      assert.ok(!(r.stderr + r.stdout).includes(':wrong@'), 'password not echoed');
    });
  });
});
