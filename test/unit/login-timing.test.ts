/**
 * Unknown email and wrong password must be indistinguishable: same error, and
 * comparable time because the unknown-user path verifies against a decoy argon2 hash.
 * Compared as the median ratio of interleaved pairs of runs (robust on a noisy machine):
 * without the decoy the unknown path would be ~10x faster.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildKeySet, generateSigningKeyPem } from '../../src/auth/keys.js';
import { argon2idHasher } from '../../src/auth/passwords.js';
import { auditTrail } from '../../src/persistence/audit.js';
import { SqlUserDirectory } from '../../src/persistence/directory/sql-user-directory.js';
import { noPasswordPolicy } from '../../src/auth/password-policy.js';
import { AuthService } from '../helpers/auth-service.js';
import { bareAccountFlows } from '../helpers/account-flows.js';
import { testDatabase } from '../helpers/databases.js';
import { loadConfig } from '../../src/config/load.js';
import { InvalidCredentialsError } from '../../src/errors.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe('login timing', () => {
  it('takes comparable time for an unknown email and a wrong password', async () => {
    const config = loadConfig(
      { LOGIN_MAX_FAILURES_PER_ACCOUNT_IP: '1000', LOGIN_MAX_FAILURES_PER_IP: '1000' },
      { skipEnvFiles: true },
    );
    const store = new MemoryStore();
    // The real cost on purpose: the decoy must take as long as a real verification.
    const database = await testDatabase();
    const directory = new SqlUserDirectory(database);
    const auth = new AuthService({
      config,
      store,
      directory,
      audit: auditTrail(directory),
      keys: await buildKeySet(generateSigningKeyPem()),
      passwordPolicy: noPasswordPolicy,
      ...bareAccountFlows(database),
      hasher: argon2idHasher(),
    });
    await auth.register('known@example.test', 'the right password', { ip: '10.0.0.1', userAgent: 'test' });
    const time = async (email: string): Promise<number> => {
      const t0 = process.hrtime.bigint();
      await assert.rejects(
        auth.login(email, 'a wrong password', { ip: '10.0.0.1', userAgent: 'test' }),
        InvalidCredentialsError,
      );
      return Number(process.hrtime.bigint() - t0) / 1e6;
    };
    await time('warmup@example.test');
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 15; i++) {
      known.push(await time('known@example.test'));
      unknown.push(await time(`nobody-${i}@example.test`));
    }
    // Each unknown run against the known run just before it, so that a change in the
    // machine's load between runs shifts both sides of a pair alike.
    const ratio = median(unknown.map((u, i) => u / known[i]!));
    assert.ok(ratio > 1 / 3 && ratio < 3, `unknown/known median ratio ${ratio.toFixed(2)}`);
    await store.close();
    await directory.close();
  });
});
