import type { DeploymentEnv } from './pool-presets.js';

export type { DeploymentEnv };
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
/** `auto`: pretty on a terminal, JSON otherwise. */
export type LogFormat = 'auto' | 'pretty' | 'json';
export type PoolMode = 'multiplexed' | 'exclusive';

export interface HostPort {
  host: string;
  port: number;
}

export interface RedisConfig {
  mode: 'standalone' | 'sentinel' | 'cluster';
  /** Standalone: host/port (REDIS_URL is parsed into these). */
  host: string;
  port: number;
  username: string | undefined;
  password: string | undefined;
  db: number;
  tls: boolean;
  sentinels: readonly HostPort[];
  sentinelName: string;
  clusterNodes: readonly HostPort[];
  /** Pool size of this process (its share of `poolSizeTotal`). */
  poolSize: number;
  /** Pool size of the whole process group. */
  poolSizeTotal: number;
  poolMode: PoolMode;
  healthCheckIntervalMs: number;
  healthCheckTimeoutMs: number;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  acquireTimeoutMs: number;
  /** Bound of the wait queue per process. */
  maxPending: number;
}

export interface RateLimitConfig {
  windowSeconds: number;
  maxFailuresPerAccountIp: number;
  maxFailuresPerIp: number;
  /** Accounts one address may register per hour. */
  registrationsPerIp: number;
  /** Passkey sign-in options (each a stored challenge) one address may ask for per minute. */
  passkeyOptionsPerIp: number;
  /** Passkey sign-in challenges all addresses together may be given per challenge lifetime. */
  passkeyChallenges: number;
  /** Requests refused before any check are audited as one row per address per this many seconds. */
  refusalAuditWindowSeconds: number;
}

/**
 * `false`: the socket address is the client's; a number: trust that many proxy hops;
 * a list: trust proxies at these addresses/CIDRs; `true`: trust any forwarded address.
 */
export type TrustProxy = boolean | number | readonly string[];

export interface JwtConfig {
  /** PEM of the signing key (from JWT_PRIVATE_KEY or JWT_PRIVATE_KEY_FILE); undefined = development key. */
  privateKeyPem: string | undefined;
  /** Extra PEM public keys still accepted and published (key rotation). */
  extraPublicKeysPem: readonly string[];
  issuer: string;
  /** `aud` of access tokens (TOKEN_AUDIENCE): one or more, never empty. */
  audience: readonly string[];
  accessTokenTtl: number;
  refreshTokenTtl: number;
  /** Seconds after a rotation during which presenting the rotated token again is a retry. */
  refreshRetryGraceSeconds: number;
}

/** A resource server allowed to call POST /oauth/introspect (INTROSPECTION_CLIENTS). */
export interface IntrospectionClientConfig {
  id: string;
  /** SHA-256 of the client secret, 64 lower-case hex digits; the secret itself is never configured. */
  secretSha256: string;
}

export interface PasswordHashingConfig {
  /** Where the hashes run: own threads at the lowest OS priority (default), own threads, or libuv's pool. */
  runner: 'threads-low-priority' | 'threads' | 'libuv';
  concurrency: number;
  /** libuv's thread pool in each serving process (UV_THREADPOOL_SIZE; workers get theirs from the primary). */
  threadPoolSize: number;
  /**
   * `predicted-wait`: a password check waits while its predicted wait is within `maxWaitMs`,
   * else 503 at once; `bounded-queue`: at most `maxQueue` wait, each at most `maxWaitMs`.
   */
  admission: 'predicted-wait' | 'bounded-queue';
  maxQueue: number;
  maxWaitMs: number;
  /**
   * bounded-queue: which waiter gets a freed hashing slot: the oldest (`fifo`), the newest (`lifo`), or
   * `adaptive` (oldest first until logins have waited `overloadMs` with no spare slot,
   * then newest first with waits of at most `overloadWaitMs`).
   */
  queueOrder: 'fifo' | 'lifo' | 'adaptive';
  overloadMs: number;
  overloadWaitMs: number;
}

export interface DatabaseConfig {
  /** PostgreSQL URL; undefined = the embedded PGlite in `dataDir`. */
  url: string | undefined;
  /**
   * One single-host URL per host of `url`, in the order given (a multi-host URL,
   * `postgres://u:p@h1:5432,h2:5432/db`, names several); empty for PGlite.
   */
  hosts: readonly string[];
  /**
   * `read-write`: use only a host that accepts writes (not in recovery, not read-only),
   * and look for another when it stops accepting them. From `target_session_attrs`
   * (`read-write` or `primary`); a multi-host URL without it means `read-write`.
   */
  targetSessionAttrs: 'any' | 'read-write';
  dataDir: string;
  /** Connections of this process (its share of DATABASE_POOL_SIZE). */
  poolSize: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  auditRetentionDays: number;
}

/** zxcvbn's score: 0 (too guessable) to 4 (very unguessable). */
export type PasswordStrengthScore = 0 | 1 | 2 | 3 | 4;

export interface PasswordPolicyConfig {
  /** A new password needs at least this zxcvbn score; 0 = no strength check (`off`). */
  minScore: PasswordStrengthScore;
  /** `hibp`: also refuse passwords a Have-I-Been-Pwned range API knows (fails open). */
  breachCheck: 'off' | 'hibp';
  /** The range API; the 5-character SHA-1 prefix is appended. Ends in `/`. */
  breachCheckUrl: string;
  breachCheckTimeoutMs: number;
}

export interface MailConfig {
  /** SMTP_URL; undefined: development writes mail to the log, production sends none. */
  smtpUrl: string | undefined;
  from: string;
  /** Files here replace the built-in templates of the same name. */
  templatesDir: string | undefined;
  /** Paths on PUBLIC_URL that receive `?token=` (the team's own pages, or tollgate's API). */
  resetLinkPath: string;
  verifyLinkPath: string;
}

export interface SecretsKeyConfig {
  /** SECRETS_KEY (32 bytes); undefined: a development key under VAR_DIR, none in production. */
  current: Buffer | undefined;
  /** SECRETS_PREVIOUS_KEYS: still open what was sealed under them. */
  previous: readonly Buffer[];
}

export interface AccountsConfig {
  mail: MailConfig;
  /** Login answers 403 `email_not_verified` after a correct password of an unverified account. */
  requireVerifiedEmail: boolean;
  passwordResetTtlSeconds: number;
  emailVerificationTtlSeconds: number;
  /**
   * REAUTH_MAX_AGE: how recent (seconds) the last proof of the password or a factor must be
   * for a credential change (the `auth_time` of the session's access token).
   */
  reauthMaxAgeSeconds: number;
  secretsKey: SecretsKeyConfig;
}

/** Passkeys: the WebAuthn relying party (src/config/sections/webauthn.ts). */
export interface WebAuthnConfig {
  /** The relying party id credentials are bound to: a domain (PUBLIC_URL's hostname by default). */
  rpId: string;
  /** The name authenticators show. */
  rpName: string;
  /** Origins whose pages may register and use passkeys (PUBLIC_URL's origin by default). */
  origins: readonly string[];
  /**
   * Top-level origins that may embed the sign-in page in a frame (WEBAUTHN_TOP_ORIGINS);
   * empty: an assertion made in a cross-origin frame is refused.
   */
  topOrigins: readonly string[];
}

export interface Config {
  deploymentEnv: DeploymentEnv;
  host: string;
  port: number;
  workers: number;
  /** Preloaded spare workers (modules loaded, no connections) that replace a crashed one (WORKERS > 1). */
  standbyWorkers: number;
  store: 'memory' | 'redis';
  redis: RedisConfig;
  database: DatabaseConfig;
  /** Which proxies decide the client address (Fastify `trustProxy`). */
  trustProxy: TrustProxy;
  jwt: JwtConfig;
  opsToken: string | undefined;
  logLevel: LogLevel;
  logFormat: LogFormat;
  rateLimit: RateLimitConfig;
  /** Live sessions per user; the one closest to expiry ends first. */
  maxSessionsPerUser: number;
  allowRegistration: boolean;
  /** Serve the interactive API docs at /docs (DOCS; off in production by default). */
  docs: boolean;
  bodyLimitBytes: number;
  /** Bounded admission of argon2 work per process (see src/auth/admission.ts). */
  passwordHashing: PasswordHashingConfig;
  passwordMinLength: number;
  passwordMaxLength: number;
  /** What a new password must be (register, change, reset); see src/auth/password-policy.ts. */
  passwordPolicy: PasswordPolicyConfig;
  /**
   * The externally visible base URL (PUBLIC_URL), no trailing slash: metadata links,
   * and the origin that cookie-authenticated calls may always come from.
   */
  publicUrl: string;
  /** Resource servers that may introspect tokens. */
  introspectionClients: readonly IntrospectionClientConfig[];
  /** Browser origins allowed by CORS (and, in cookie mode, for cookie-authenticated calls). */
  corsOrigins: readonly string[];
  /** REFRESH_COOKIE: the refresh token travels only in an httpOnly cookie scoped to /auth. */
  refreshCookie: boolean;
  /** Account mail (reset, verification) and TOTP secrets. */
  accounts: AccountsConfig;
  /** Passkeys: the WebAuthn relying party. */
  webauthn: WebAuthnConfig;
  /** Where development keys live. */
  varDir: string;
  shutdownGraceMs: number;
}
