import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { redactConfig } from '../../src/config/redact.js';
import { generateSigningKeyPem } from '../../src/auth/keys.js';
import { ConfigError } from '../../src/errors.js';

const load = (env: Record<string, string>) => loadConfig(env, { skipEnvFiles: true });
const PG = 'postgres://tollgate@127.0.0.1:5432/tollgate';

function throwsFor(env: Record<string, string>, variable: string, pattern?: RegExp): void {
  assert.throws(
    () => load(env),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError, String(err));
      assert.equal(err.variable, variable);
      if (pattern) assert.match(err.message, pattern);
      return true;
    },
  );
}

describe('config', () => {
  it('has development defaults: memory store, one worker, 900 s / 7 d tokens, loopback', () => {
    const c = load({});
    assert.equal(c.deploymentEnv, 'development');
    assert.equal(c.store, 'memory');
    assert.equal(c.workers, 1);
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.port, 8000);
    assert.equal(c.jwt.accessTokenTtl, 900);
    assert.equal(c.jwt.refreshTokenTtl, 604800);
    assert.deepEqual(c.rateLimit, {
      windowSeconds: 900,
      maxFailuresPerAccountIp: 10,
      maxFailuresPerIp: 100,
      registrationsPerIp: 20,
      passkeyOptionsPerIp: 30,
      passkeyChallenges: 100_000,
      refusalAuditWindowSeconds: 60,
    });
    assert.equal(c.redis.healthCheckIntervalMs, 30_000);
    assert.equal(c.passwordHashing.queueOrder, 'adaptive');
    assert.equal(c.passwordHashing.overloadMs, 500);
    assert.equal(c.passwordHashing.overloadWaitMs, 100);
    assert.equal(c.passwordHashing.maxWaitMs, 5000);
    assert.equal(c.passwordHashing.admission, 'predicted-wait');
    assert.equal(c.passwordHashing.runner, 'threads-low-priority');
    assert.equal(c.passwordHashing.maxQueue, 1000);
  });

  it('is frozen, deeply', () => {
    const c = load({});
    assert.ok(Object.isFrozen(c) && Object.isFrozen(c.redis) && Object.isFrozen(c.jwt));
    assert.throws(() => {
      (c as { port: number }).port = 1;
    });
  });

  it('parses REDIS_URL into its parts and switches to the Redis store', () => {
    const c = load({ REDIS_URL: 'rediss://user:p%40ss@cache.internal:6380/3' });
    assert.equal(c.store, 'redis');
    assert.equal(c.redis.host, 'cache.internal');
    assert.equal(c.redis.port, 6380);
    assert.equal(c.redis.username, 'user');
    assert.equal(c.redis.password, 'p@ss');
    assert.equal(c.redis.db, 3);
    assert.equal(c.redis.tls, true);
  });

  it('sizes each worker pool as its share of the total', () => {
    const c = load({
      REDIS_URL: 'redis://127.0.0.1:6379',
      DATABASE_URL: PG,
      WORKERS: '4',
      REDIS_POOL_SIZE: '10',
    });
    assert.equal(c.redis.poolSizeTotal, 10);
    assert.equal(c.redis.poolSize, 3);
    assert.equal(c.database.poolSize, 3, 'the database pool too');
    const auto = load({ REDIS_URL: 'redis://127.0.0.1:6379', DATABASE_URL: PG, WORKERS: 'auto' });
    assert.ok(auto.workers >= 1);
  });

  it('parses sentinel and cluster node lists', () => {
    const s = load({ REDIS_SENTINELS: '10.0.0.1:26379, 10.0.0.2:26379', REDIS_SENTINEL_NAME: 'main' });
    assert.equal(s.redis.mode, 'sentinel');
    assert.deepEqual(s.redis.sentinels, [
      { host: '10.0.0.1', port: 26379 },
      { host: '10.0.0.2', port: 26379 },
    ]);
    const k = load({ REDIS_CLUSTER_NODES: '127.0.0.1:7000,127.0.0.1:7001' });
    assert.equal(k.redis.mode, 'cluster');
    throwsFor({ REDIS_CLUSTER_NODES: 'nohostport' }, 'REDIS_CLUSTER_NODES');
  });

  it('rejects bad values naming the variable', () => {
    throwsFor({ PORT: 'abc' }, 'PORT', /whole number/);
    throwsFor({ PORT: '70000' }, 'PORT', /between/);
    throwsFor({ DEPLOYMENT_ENV: 'prod' }, 'DEPLOYMENT_ENV', /one of/);
    throwsFor({ REDIS_TLS: 'maybe' }, 'REDIS_TLS', /true or false/);
    throwsFor({ REDIS_URL: 'http://x' }, 'REDIS_URL');
    throwsFor({ ACCESS_TOKEN_TTL: '3600', REFRESH_TOKEN_TTL: '600' }, 'REFRESH_TOKEN_TTL');
    throwsFor({ LOG_LEVEL: 'loud' }, 'LOG_LEVEL');
    throwsFor({ OPS_TOKEN: 'short' }, 'OPS_TOKEN', /16/);
    throwsFor({ JWT_PRIVATE_KEY: 'not a pem' }, 'JWT_PRIVATE_KEY');
    throwsFor({ PASSWORD_HASH_QUEUE_ORDER: 'random' }, 'PASSWORD_HASH_QUEUE_ORDER', /one of/);
    throwsFor({ PASSWORD_HASH_OVERLOAD_MS: '0' }, 'PASSWORD_HASH_OVERLOAD_MS', /between/);
  });

  it('runs one hash per core on threads of its own; libuv pool sizes stay coherent', () => {
    const cores = availableParallelism();
    const one = load({});
    assert.equal(one.passwordHashing.concurrency, cores, 'own threads: one hash per core');
    assert.equal(one.passwordHashing.threadPoolSize, 4, "libuv's default pool: the hashes are not in it");
    const group = load({ REDIS_URL: 'redis://127.0.0.1:6379', DATABASE_URL: PG, WORKERS: '2' });
    assert.equal(group.passwordHashing.concurrency, Math.ceil(cores / 2));
    assert.equal(group.passwordHashing.threadPoolSize, 4, 'workers are forked with the default pool');
    assert.equal(load({ PASSWORD_HASH_CONCURRENCY: '4' }).passwordHashing.concurrency, 4);
    throwsFor({ PASSWORD_HASHER: 'gpu' }, 'PASSWORD_HASHER', /one of/);
    throwsFor({ PASSWORD_HASH_ADMISSION: 'maybe' }, 'PASSWORD_HASH_ADMISSION', /one of/);
  });

  it('with PASSWORD_HASHER=libuv, leaves threads of the pool to token signing', () => {
    const cores = availableParallelism();
    const libuv = { PASSWORD_HASHER: 'libuv' };
    const one = load(libuv);
    assert.equal(
      one.passwordHashing.concurrency,
      Math.min(cores, 3),
      'one process: at most the pool of 4 - 1',
    );
    assert.equal(one.passwordHashing.threadPoolSize, 4);
    const bigPool = load({ ...libuv, UV_THREADPOOL_SIZE: '64' });
    assert.equal(bigPool.passwordHashing.concurrency, cores);
    assert.equal(load({ ...libuv, UV_THREADPOOL_SIZE: '1' }).passwordHashing.concurrency, 1);
    const group = load({ ...libuv, REDIS_URL: 'redis://127.0.0.1:6379', DATABASE_URL: PG, WORKERS: '2' });
    assert.equal(group.passwordHashing.concurrency, Math.ceil(cores / 2));
    assert.equal(
      group.passwordHashing.threadPoolSize,
      Math.max(4, group.passwordHashing.concurrency + 2),
      "each worker's pool is sized for its hashes",
    );
    throwsFor(
      { ...libuv, PASSWORD_HASH_CONCURRENCY: '4' },
      'PASSWORD_HASH_CONCURRENCY',
      /UV_THREADPOOL_SIZE to at least 5/,
    );
    assert.equal(
      load({ ...libuv, PASSWORD_HASH_CONCURRENCY: '4', UV_THREADPOOL_SIZE: '6' }).passwordHashing.concurrency,
      4,
    );
    throwsFor({ UV_THREADPOOL_SIZE: '0' }, 'UV_THREADPOOL_SIZE', /between/);
  });

  it('refuses the memory store with several workers', () => {
    throwsFor({ WORKERS: '2' }, 'WORKERS', /memory store/);
  });

  it('uses the embedded database unless DATABASE_URL is set, and only for one process', () => {
    const embedded = load({ VAR_DIR: '/srv/tg' });
    assert.equal(embedded.database.url, undefined);
    assert.equal(embedded.database.dataDir, '/srv/tg/db');
    assert.equal(load({ DATABASE_URL: PG }).database.url, PG);
    throwsFor({ REDIS_URL: 'redis://127.0.0.1:6379', WORKERS: '2' }, 'DATABASE_URL', /one process/);
    throwsFor({ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL', /postgres/);
  });

  it('redacts the database password for logging', () => {
    const text = JSON.stringify(redactConfig(load({ DATABASE_URL: 'postgres://tg:s3cr3t-pw@db:5432/tg' })));
    assert.ok(!text.includes('s3cr3t-pw'));
    assert.match(text, /postgres:\/\/tg:redacted@db:5432\/tg/);
  });

  it('requires a signing key, an ops token and Redis in production', () => {
    const base = {
      DEPLOYMENT_ENV: 'production',
      REDIS_URL: 'redis://127.0.0.1:6379',
      DATABASE_URL: PG,
      OPS_TOKEN: 'o'.repeat(24),
      PUBLIC_URL: 'https://auth.example.com',
    };
    throwsFor({ ...base, OPS_TOKEN: '' }, 'JWT_PRIVATE_KEY');
    const key = generateSigningKeyPem();
    throwsFor({ ...base, JWT_PRIVATE_KEY: key, OPS_TOKEN: '' }, 'OPS_TOKEN');
    throwsFor(
      { DEPLOYMENT_ENV: 'production', JWT_PRIVATE_KEY: key, OPS_TOKEN: 'o'.repeat(24), DATABASE_URL: PG },
      'STORE',
    );
    throwsFor(
      { ...base, JWT_PRIVATE_KEY: key, DATABASE_URL: '' },
      'DATABASE_URL',
      /production needs PostgreSQL/,
    );
    const ok = load({ ...base, JWT_PRIVATE_KEY: key });
    assert.equal(ok.workers, 4);
    assert.equal(ok.host, '0.0.0.0');
  });

  it('reads .env and .env.<DEPLOYMENT_ENV>, with the real environment winning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-cfg-'));
    try {
      writeFileSync(
        join(dir, '.env'),
        'PORT=9001\nPUBLIC_URL=https://from-dotenv.example\nDEPLOYMENT_ENV=staging\n',
      );
      writeFileSync(
        join(dir, '.env.staging'),
        `PORT=9002\nREDIS_URL=redis://127.0.0.1:6390\nDATABASE_URL=${PG}\n`,
      );
      const c = loadConfig({ PUBLIC_URL: 'https://from-env.example' }, { cwd: dir });
      assert.equal(c.deploymentEnv, 'staging');
      assert.equal(c.port, 9002);
      assert.equal(c.publicUrl, 'https://from-env.example');
      assert.equal(c.jwt.issuer, 'https://from-env.example');
      assert.equal(c.redis.port, 6390);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('redacts secrets for logging', () => {
    const key = generateSigningKeyPem();
    const c = load({
      REDIS_URL: 'redis://:hunter2hunter2@127.0.0.1:6379',
      JWT_PRIVATE_KEY: key,
      OPS_TOKEN: 'secret-ops-token-123',
      SMTP_URL: 'smtp://mailer:smtp-pass-777@mail.example.com',
      SECRETS_KEY: 'ef'.repeat(32),
      SECRETS_PREVIOUS_KEYS: '01'.repeat(32),
    });
    const text = JSON.stringify(redactConfig(c));
    assert.ok(!text.includes('smtp-pass-777'));
    assert.ok(!text.includes('"type":"Buffer"'), 'no key bytes');
    assert.match(text, /"current":"\[redacted\]"/);
    assert.ok(!text.includes('hunter2'));
    assert.ok(!text.includes('PRIVATE KEY'));
    assert.ok(!text.includes('secret-ops-token'));
  });
});
