/**
 * On start, tollgate reads what Redis will do with its keys: an evicting
 * maxmemory-policy is refused in production and warned about elsewhere; Redis without
 * persistence is warned about. Both show in /health/redis `warnings`.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { generateSigningKeyPem } from '../../src/auth/keys.js';
import { compose } from '../../src/compose.js';
import { loadConfig } from '../../src/config/load.js';
import { composeTestApp } from '../helpers/app.js';
import { testHasher } from '../helpers/hasher.js';
import { call } from '../helpers/http.js';
import { postgresDatabase } from '../helpers/postgres-server.js';
import { startRedis, type RedisServerHandle } from '../helpers/redis-server.js';

const OPS = 'ops-token-for-tests-0123';
const started: RedisServerHandle[] = [];
after(async () => {
  for (const r of started) await r.stop();
});

async function redisWith(...extraArgs: string[]): Promise<RedisServerHandle> {
  const r = await startRedis({ extraArgs });
  started.push(r);
  return r;
}

async function warningsOf(url: string): Promise<string[]> {
  const t = await composeTestApp({ REDIS_URL: url, OPS_TOKEN: OPS });
  try {
    const r = await call(t.target, 'GET', '/health/redis', { token: OPS });
    assert.equal(r.status, 200);
    return r.body.warnings as string[];
  } finally {
    await t.close();
  }
}

describe('Redis eviction and persistence at start-up', () => {
  it('warns about an evicting policy and no persistence outside production', async () => {
    const r = await redisWith('--maxmemory-policy', 'allkeys-lru');
    const warnings = await warningsOf(r.url);
    assert.ok(
      warnings.some((w) => /maxmemory-policy is allkeys-lru/.test(w)),
      warnings.join(' | '),
    );
    assert.ok(warnings.some((w) => /persists nothing/.test(w)));
  });

  it('refuses an evicting policy in production, naming it', async () => {
    const [r, databaseUrl] = await Promise.all([
      redisWith('--maxmemory-policy', 'volatile-lru'),
      postgresDatabase(),
    ]);
    const config = loadConfig(
      {
        DEPLOYMENT_ENV: 'production',
        REDIS_URL: r.url,
        DATABASE_URL: databaseUrl,
        JWT_PRIVATE_KEY: generateSigningKeyPem(),
        OPS_TOKEN: OPS,
        PUBLIC_URL: 'https://auth.example.test',
        WORKERS: '1',
        LOG_LEVEL: 'silent',
      },
      { skipEnvFiles: true },
    );
    await assert.rejects(
      compose(config, { hasher: testHasher }),
      /maxmemory-policy is volatile-lru.*noeviction/,
    );
    assert.equal(
      Number(await r.cli('INFO', 'clients').then((s) => /connected_clients:(\d+)/.exec(s)?.[1])),
      1,
    );
  });

  it('has nothing to say about noeviction with AOF', async () => {
    const r = await redisWith('--maxmemory-policy', 'noeviction', '--appendonly', 'yes');
    assert.deepEqual(await warningsOf(r.url), []);
  });

  it('reads the policy from INFO and says it cannot read persistence when CONFIG is disabled', async () => {
    const r = await redisWith('--rename-command', 'CONFIG', '', '--maxmemory-policy', 'allkeys-lru');
    const warnings = await warningsOf(r.url);
    assert.ok(
      warnings.some((w) => /maxmemory-policy is allkeys-lru/.test(w)),
      warnings.join(' | '),
    );
    assert.ok(
      warnings.some((w) => /Could not read Redis persistence/.test(w)),
      warnings.join(' | '),
    );
  });

  it('names the risk of RDB-only persistence', async () => {
    const r = await redisWith('--appendonly', 'no', '--save', '3600 1');
    const warnings = await warningsOf(r.url);
    assert.ok(
      warnings.some((w) => /only RDB snapshots: a restart loses every write since the last snapshot/.test(w)),
      warnings.join(' | '),
    );
  });
});
