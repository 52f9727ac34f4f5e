/**
 * The app with a test config: in-process (`composeTestApp`, requests through `inject`)
 * or listening on port 0 (`startTestApp`, for tests where the socket matters).
 *
 * The accounts database: the env's DATABASE_URL if it gives one; with Redis, a fresh
 * database on a real PostgreSQL (PGlite runs on the event loop, and Redis fault tests
 * must measure Redis, not it); otherwise an in-memory PGlite copied from a template.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { compose, type Composition } from '../../src/compose.js';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import type { PasswordHasher } from '../../src/auth/passwords.js';
import { listen } from '../../src/server.js';
import { testDatabase } from './databases.js';
import { testHasher } from './hasher.js';
import { postgresDatabase } from './postgres-server.js';
import type { Target } from './http.js';

export interface TestApp {
  /** What to send requests to: the URL when listening, else the Fastify instance. */
  target: Target;
  config: Config;
  composition: Composition;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Default: argon2id at test cost. */
  hasher?: PasswordHasher;
  /** Where the app logs (default: nowhere); e.g. `captureLogs().logger`. */
  logger?: Logger;
}

function testConfig(env: Record<string, string>, varDir: string): Config {
  return loadConfig(
    {
      PORT: '0',
      HOST: '127.0.0.1',
      VAR_DIR: varDir,
      LOG_LEVEL: 'silent',
      LOGIN_MAX_FAILURES_PER_ACCOUNT_IP: '5',
      LOGIN_MAX_FAILURES_PER_IP: '100000',
      // Tests register and sign in many users from one address; the limit tests lower these.
      REGISTER_MAX_PER_IP: '100000',
      PASSKEY_OPTIONS_MAX_PER_IP: '100000',
      // No strength thread per test app (the dictionaries cost ~50 MB and most of a
      // second); the password-policy tests turn it on. Production default: min-score:3.
      PASSWORD_POLICY: 'off',
      ...env,
    },
    { skipEnvFiles: true },
  );
}

async function build(
  givenEnv: Record<string, string>,
  options: TestAppOptions,
  listening: boolean,
): Promise<TestApp> {
  const varDir = mkdtempSync(join(tmpdir(), 'tollgate-var-'));
  try {
    const env =
      givenEnv.REDIS_URL && !givenEnv.DATABASE_URL
        ? { ...givenEnv, DATABASE_URL: await postgresDatabase() }
        : givenEnv;
    const config = testConfig(env, varDir);
    // Without DATABASE_URL, an in-memory PGlite copied from a migrated template.
    const database = config.database.url ? undefined : await testDatabase();
    const composition = await compose(config, {
      hasher: options.hasher ?? testHasher,
      ...(database ? { database } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    });
    const server = listening ? await listen(composition) : undefined;
    return {
      target: server ? server.url : composition.app,
      config,
      composition,
      async close() {
        await (server ?? composition).close();
        rmSync(varDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(varDir, { recursive: true, force: true });
    throw err;
  }
}

/** The app in-process; requests go through `app.inject()`. */
export function composeTestApp(
  env: Record<string, string> = {},
  options: TestAppOptions = {},
): Promise<TestApp> {
  return build(env, options, false);
}

/** The app listening on a free loopback port. */
export function startTestApp(
  env: Record<string, string> = {},
  options: TestAppOptions = {},
): Promise<TestApp> {
  return build(env, options, true);
}
