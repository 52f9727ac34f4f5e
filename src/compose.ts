/**
 * The composition root: the only place that loads the signing keys (with the
 * development fallback), opens the stores and wires the services into the app.
 * `src/server.ts` listens and drains; `src/main.ts` and the cluster worker call both.
 */
import { createHmac } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApp } from './app.js';
import { buildKeySet, ensureDevelopmentKey, type KeySet } from './auth/keys.js';
import { createPasswordPolicy } from './auth/password-policy.js';
import { argon2idHasher, type PasswordHasher } from './auth/passwords.js';
import { Admission } from './auth/admission.js';
import { LastTouched } from './auth/last-touched.js';
import { refreshSuccessorKey } from './auth/refresh-token.js';
import { VerifiedTokenCache } from './auth/verified-token-cache.js';
import type { AuthConfig, FlowDeps } from './flows/deps.js';
import { securityEvents, type SecurityEventsOptions } from './events/record.js';
import { auditTrail, type AuditSink } from './persistence/audit.js';
import { openAccountFlows, type AccountFlows } from './flows/resources.js';
import type { Database } from './persistence/directory/database.js';
import { openMigratedDatabase } from './persistence/directory/open.js';
import { SqlUserDirectory } from './persistence/directory/sql-user-directory.js';
import type { UserDirectory } from './persistence/directory/user-directory.js';
import type { Config } from './config/schema.js';
import type { GroupBridge } from './group/bridge.js';
import { localBridge } from './group/local.js';
import { registerDatabaseMetrics } from './metrics/database-metrics.js';
import { registerHashingMetrics } from './metrics/hashing-metrics.js';
import { createMetrics, type AppMetrics } from './metrics/registry.js';
import { registerPoolMetrics } from './metrics/pool-metrics.js';
import { registerRedisStateMetrics } from './metrics/redis-state-metrics.js';
import type { RedisPool } from './redis/types.js';
import { SqlRevocationLog } from './persistence/directory/revocation-log.js';
import { MemoryStore } from './store/memory/memory-store.js';
import { openRedisStore } from './store/redis/open.js';
import type { RedisWatch } from './store/redis/watch.js';
import type { Store } from './store/store.js';

/**
 * The signing key from config, or in development a key generated once under `varDir`
 * and shared by every worker and restart.
 */
export async function loadKeys(config: Pick<Config, 'jwt' | 'varDir'>, logger?: Logger): Promise<KeySet> {
  let pem = config.jwt.privateKeyPem;
  if (!pem) {
    const dev = ensureDevelopmentKey(config.varDir);
    if (dev.created) {
      logger?.warn(
        { dir: config.varDir },
        'generated a development signing key (set JWT_PRIVATE_KEY in production)',
      );
    }
    pem = dev.pem;
  }
  return buildKeySet(pem, config.jwt.extraPublicKeysPem);
}

export interface SessionStoreHandle {
  store: Store;
  /** Present when the store is Redis. */
  pool: RedisPool | undefined;
  /** Present when the store is Redis and watched: its state now (docs/sessions.md). */
  watch?: RedisWatch;
}

export interface OpenSessionStoreOptions {
  logger?: Logger | undefined;
  /**
   * The accounts database: with Redis, every end of a session is recorded there and
   * replayed when Redis loses writes. Without it (never in a serving process) ends are
   * applied in Redis only.
   */
  database?: Database | undefined;
  /** Run the Redis watch (a serving process); a one-shot command only records. Default true. */
  watch?: boolean;
}

/**
 * Opens the store engine the config names: Redis through the pool (src/store/redis/), or
 * the memory store (src/store/memory/). An engine's own folder holds all of it; this
 * switch is the one place that chooses.
 */
export async function openSessionStore(
  config: Config,
  options: OpenSessionStoreOptions = {},
): Promise<SessionStoreHandle> {
  const { logger, database } = options;
  switch (config.store) {
    case 'memory':
      logger?.warn(
        'using the embedded memory store: state lives in this process only (set REDIS_URL for Redis, required for WORKERS > 1)',
      );
      return { store: new MemoryStore(), pool: undefined };
    case 'redis':
      return openRedisStore(config, {
        logger,
        log: database ? new SqlRevocationLog(database) : undefined,
        watch: options.watch,
      });
  }
}

/**
 * Opens the accounts database (PostgreSQL, or the embedded PGlite) and migrates it.
 * The first start on PGlite creates the database, which takes a few seconds.
 */
export async function openDirectory(
  config: Config,
  opened?: Database,
  logger?: Logger,
): Promise<SqlUserDirectory> {
  if (!opened && !config.database.url) {
    logger?.info({ dir: config.database.dataDir }, 'opening the embedded accounts database (PGlite)');
  }
  const { database, migration } = await openMigratedDatabase(config.database, opened, (host, previous) => {
    if (previous === undefined) logger?.debug({ host }, 'accounts database: using this host');
    else
      logger?.warn(
        { host, previous },
        'accounts database: moved to another host (the previous one failed or is read-only)',
      );
  });
  if (migration.applied.length > 0) {
    logger?.info({ applied: migration.applied, version: migration.version }, 'accounts database migrated');
  }
  return new SqlUserDirectory(database);
}

/**
 * Deletes audit events past the retention, expired mailed links and revocations no
 * session can outlive any more, hourly (jittered), off the request path.
 */
function auditPruner(
  directory: SqlUserDirectory,
  flows: Pick<AccountFlows, 'links'>,
  retentionDays: number,
  logger?: Logger,
): { stop(): void } {
  const revocations = new SqlRevocationLog(directory.db);
  const failed = (err: unknown): void =>
    logger?.warn({ err: { message: (err as Error).message } }, 'pruning the accounts database failed');
  const prune = (): void => {
    directory.pruneAudit(retentionDays).then((n) => {
      if (n > 0) logger?.info({ deleted: n, retention_days: retentionDays }, 'pruned the audit log');
    }, failed);
    flows.links.pruneExpired().then((n) => {
      if (n > 0) logger?.info({ deleted: n }, 'deleted expired reset and verification links');
    }, failed);
    revocations.prune().then((n) => {
      if (n > 0) logger?.info({ deleted: n }, 'pruned session revocations no session can outlive');
    }, failed);
  };
  const timer = setInterval(prune, 3_600_000 + Math.floor(Math.random() * 300_000));
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

export interface FlowDepsOptions extends Pick<
  FlowDeps,
  | 'store'
  | 'directory'
  | 'keys'
  | 'hasher'
  | 'passwordPolicy'
  | 'links'
  | 'mailer'
  | 'totp'
  | 'passkeys'
  | 'secrets'
  | 'background'
> {
  config: AuthConfig;
  /** Where the audit rows of security events go. */
  audit: AuditSink;
  /** Counts each event's metric label; the debug log line of each event. */
  count?: SecurityEventsOptions['count'];
  log?: SecurityEventsOptions['log'];
}

/** The one deps object every flow operation takes (or a `Pick` of). */
export function flowDeps(options: FlowDepsOptions): FlowDeps {
  const { config, keys, hasher } = options;
  const refreshKey = refreshSuccessorKey(keys.signing.key);
  return {
    config,
    store: options.store,
    directory: options.directory,
    events: securityEvents({
      audit: options.audit,
      refusalWindowSeconds: config.rateLimit.refusalAuditWindowSeconds,
      ...(options.count ? { count: options.count } : {}),
      ...(options.log ? { log: options.log } : {}),
    }),
    keys,
    hasher,
    hashing: new Admission({
      ...config.passwordHashing,
      policy: config.passwordHashing.admission,
      initialRunMs: hasher.estimatedMs,
    }),
    passwordPolicy: options.passwordPolicy,
    links: options.links,
    mailer: options.mailer,
    totp: options.totp,
    passkeys: options.passkeys,
    rp: config.webauthn,
    decoyKey: createHmac('sha256', refreshKey).update('tollgate passkey decoys').digest(),
    secrets: options.secrets,
    background: options.background,
    tokenOptions: {
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      ttlSeconds: config.jwt.accessTokenTtl,
    },
    refreshKey,
    verified: new VerifiedTokenCache(),
    lastTouched: new LastTouched(),
  };
}

export interface ComposeOptions {
  logger?: Logger;
  /** The process registry (a cluster worker passes the one its primary collects). */
  metrics?: AppMetrics;
  /** How the app answers for the whole process group (default: this process alone). */
  group?: GroupBridge;
  /** Password hashing (default: argon2id at the OWASP cost). */
  hasher?: PasswordHasher;
  /** An accounts database already open (tests); default: the one the config names. */
  database?: Database;
}

export interface Composition extends SessionStoreHandle {
  app: FastifyInstance;
  config: Config;
  directory: UserDirectory;
  keys: KeySet;
  metrics: AppMetrics;
  /** Closes the app (when not closed yet), then the stores. Idempotent. */
  close(): Promise<void>;
}

export async function compose(config: Config, options: ComposeOptions = {}): Promise<Composition> {
  const { logger } = options;
  const metrics = options.metrics ?? createMetrics();
  const keys = await loadKeys(config, logger);
  const hasher =
    options.hasher ??
    argon2idHasher(undefined, {
      runner: config.passwordHashing.runner,
      threads: config.passwordHashing.concurrency,
    });
  // Threads this composition started end with it (a hasher passed in is its owner's).
  const closeHasher = async (): Promise<void> => {
    if (!options.hasher) await hasher.close?.();
  };
  await hasher.prepare();
  let directory: Awaited<ReturnType<typeof openDirectory>>;
  try {
    directory = await openDirectory(config, options.database, logger);
  } catch (err) {
    await closeHasher();
    throw err;
  }
  let store: Store;
  let pool: RedisPool | undefined;
  let watch: RedisWatch | undefined;
  try {
    ({ store, pool, watch } = await openSessionStore(config, { logger, database: directory.db }));
  } catch (err) {
    await directory.close().catch(() => undefined);
    await closeHasher();
    throw err;
  }
  let flows: AccountFlows;
  try {
    flows = await openAccountFlows(config, directory.db, { metrics, logger });
  } catch (err) {
    await store.close().catch(() => undefined);
    await directory.close().catch(() => undefined);
    await closeHasher();
    throw err;
  }
  const pruner = auditPruner(directory, flows, config.database.auditRetentionDays, logger);
  // Nothing is loaded or connected until the first new password is checked.
  const passwordPolicy = createPasswordPolicy(config.passwordPolicy, { logger });
  const audit = auditTrail(directory, {
    onLost: (type, err) =>
      logger?.error(
        { type, err: { message: (err as Error).message } },
        'an audit event could not be written',
      ),
  });
  // Tallied refusals are written per window and when the process stops, before the database closes.
  const deps = flowDeps({
    config,
    store,
    directory,
    audit,
    keys,
    hasher,
    passwordPolicy,
    links: flows.links,
    mailer: flows.mailer,
    totp: flows.totp,
    passkeys: flows.passkeys,
    secrets: flows.secrets,
    background: flows.background,
    count: (event) => metrics.authEvents.inc({ event }),
    ...(logger?.isLevelEnabled('debug')
      ? { log: (fields: Record<string, unknown>, message: string) => logger.debug(fields, message) }
      : {}),
  });
  let app: FastifyInstance;
  try {
    if (pool) registerPoolMetrics(metrics.registry, pool);
    registerDatabaseMetrics(
      metrics.registry,
      directory.db.kind === 'postgres' ? 'postgresql' : 'pglite',
      () => directory.db.poolStats(),
    );
    if (watch) registerRedisStateMetrics(metrics.registry, () => watch.sample());
    registerHashingMetrics(metrics.registry, () => deps.hashing.stats);
    app = await buildApp(config, {
      deps,
      store,
      directory,
      database: directory.db,
      keys,
      pool,
      metrics,
      group: options.group ?? localBridge(metrics.registry, () => pool?.stats()),
      logger: logger ?? false,
    });
  } catch (err) {
    pruner.stop();
    await deps.events.close();
    await passwordPolicy.close();
    await flows.close(0);
    await store.close().catch(() => undefined);
    await directory.close().catch(() => undefined);
    await closeHasher();
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    app,
    config,
    directory,
    keys,
    metrics,
    store,
    pool,
    close() {
      closing ??= (async () => {
        pruner.stop();
        try {
          await app.close();
          // Reset requests answered already finish their mail; queued mail goes out.
          await flows.close(config.shutdownGraceMs);
        } finally {
          await deps.events.close();
          await Promise.allSettled([store.close(), directory.close(), passwordPolicy.close(), closeHasher()]);
        }
      })();
      return closing;
    },
  };
}
