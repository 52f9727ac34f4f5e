/**
 * The only module that reads the environment. `loadConfig` merges `.env` and
 * `.env.<DEPLOYMENT_ENV>` (real environment wins), validates every value once with the
 * section readers of `sections/` (each reads the variables its section declares) and
 * returns a deeply frozen Config. Every bad variable is reported at once, in one
 * ConfigError that names each of them.
 */
import type { ConfigIssue } from '../errors.js';
import { deepFreeze } from '../util/deep-freeze.js';
import { readEnvFiles, type Env } from './env-files.js';
import { Reader } from './reader.js';
import type { Config } from './schema.js';
import { readAccounts } from './sections/accounts.js';
import { readDatabase } from './sections/database.js';
import { readPasswordPolicy } from './sections/password-policy.js';
import { readCorsOrigins, readRefreshCookie } from './sections/browsers.js';
import { readIntrospectionClients, readPublicUrl } from './sections/oauth.js';
import { readStore } from './sections/redis.js';
import {
  ALLOW_REGISTRATION,
  DOCS,
  readOpsToken,
  readPasswords,
  readRateLimits,
} from './sections/security.js';
import { readServer } from './sections/server.js';
import { MAX_SESSIONS_PER_USER, readTokens } from './sections/tokens.js';
import { readWebAuthn } from './sections/webauthn.js';

export type { Env };

export interface LoadOptions {
  cwd?: string;
  /** Skip .env files (tests). */
  skipEnvFiles?: boolean;
  /**
   * Checks that need more than the variables (the files of MAIL_TEMPLATES_DIR), run on
   * the configuration as read: their issues join the variables' issues in the one
   * ConfigError, so every problem is reported before anything is opened.
   */
  checks?: ReadonlyArray<(config: Config) => readonly ConfigIssue[]>;
}

function reader(realEnv: Env, options: LoadOptions): Reader {
  const cwd = options.cwd ?? process.cwd();
  return new Reader(options.skipEnvFiles ? realEnv : readEnvFiles(realEnv, cwd), cwd);
}

export type KeyConfig = Pick<Config, 'deploymentEnv' | 'jwt' | 'varDir'>;

/** Only what the signing keys need (commands such as `keys jwks` need no store). */
export function loadKeyConfig(realEnv: Env = process.env, options: LoadOptions = {}): KeyConfig {
  const r = reader(realEnv, options);
  const server = readServer(r);
  // The key commands need no PUBLIC_URL: the issuer they derive is not used.
  const jwt = readTokens(r, server, readPublicUrl(r, { ...server, production: false }));
  r.finish();
  return deepFreeze({ deploymentEnv: server.deploymentEnv, jwt, varDir: server.varDir });
}

export function loadConfig(realEnv: Env = process.env, options: LoadOptions = {}): Config {
  const r = reader(realEnv, options);

  const serverSection = readServer(r);
  const { store, redis } = readStore(r, serverSection);
  const database = readDatabase(r, serverSection, serverSection.varDir);
  const publicUrl = readPublicUrl(r, serverSection);
  const jwt = readTokens(r, serverSection, publicUrl);
  const opsToken = readOpsToken(r, serverSection);
  const rateLimit = readRateLimits(r);
  const passwords = readPasswords(r, serverSection);
  const passwordPolicy = readPasswordPolicy(r);
  const { production: _production, ...server } = serverSection;
  const allowRegistration = ALLOW_REGISTRATION.read(r);
  // The interactive API docs are for development; production serves only /openapi.json.
  const docs = DOCS.read(r, !serverSection.production);
  const maxSessionsPerUser = MAX_SESSIONS_PER_USER.read(r);
  const introspectionClients = readIntrospectionClients(r);
  const corsOrigins = readCorsOrigins(r);
  const refreshCookie = readRefreshCookie(r);
  const accounts = readAccounts(r, serverSection, publicUrl);
  const webauthn = readWebAuthn(r, publicUrl);

  // Built even when a variable is bad (the readers fall back), so the checks can run
  // and report their issues along with the variables'.
  const config: Config = {
    ...server,
    store,
    redis,
    database,
    jwt,
    opsToken,
    rateLimit,
    allowRegistration,
    docs,
    maxSessionsPerUser,
    publicUrl,
    introspectionClients,
    corsOrigins,
    refreshCookie,
    accounts,
    webauthn,
    ...passwords,
    passwordPolicy,
  };
  for (const check of options.checks ?? []) {
    for (const issue of check(config)) r.issue(issue.variable, issue.message);
  }
  r.finish();
  return deepFreeze(config);
}
