/**
 * Every environment variable tollgate reads, with its default and meaning, in one table:
 * `tollgate serve --help` prints it and `.env.example` is generated from it
 * (`npm run env-example`). A test checks that every variable the section readers read is
 * listed here, in `.env.example` and in docs/configuration.md.
 */
export interface VariableDoc {
  name: string;
  /** The default as a user would write it; '' when unset by default. */
  default: string;
  meaning: string;
  /** A value to show in `.env.example` (every line there is commented out). */
  example?: string;
}

export interface VariableGroup {
  title: string;
  variables: readonly VariableDoc[];
}

export const VARIABLE_GROUPS: readonly VariableGroup[] = [
  {
    title: 'Process',
    variables: [
      {
        name: 'DEPLOYMENT_ENV',
        default: 'development',
        meaning:
          'development, staging or production (worker and pool defaults; production requires a key, OPS_TOKEN and Redis)',
      },
      { name: 'HOST', default: '127.0.0.1 (production: 0.0.0.0)', meaning: 'listen address' },
      { name: 'PORT', default: '8000', meaning: 'listen port (0 = any free port)' },
      {
        name: 'WORKERS',
        default: '1 / 2 / 4 by environment',
        meaning: 'worker processes, or auto (one per core); > 1 needs Redis',
      },
      {
        name: 'STANDBY_WORKERS',
        default: '1',
        meaning:
          'WORKERS > 1: spare workers kept loaded (no connections) to replace a crashed worker at once; 0 = none',
      },
      {
        name: 'TRUST_PROXY',
        default: 'false',
        meaning: 'proxies whose X-Forwarded-For is believed: a hop count or addresses/CIDRs',
      },
      { name: 'BODY_LIMIT_BYTES', default: '16384', meaning: 'larger request bodies get 413' },
      {
        name: 'SHUTDOWN_GRACE_SECONDS',
        default: '10',
        meaning: 'how long in-flight requests may take to finish on SIGTERM',
      },
      { name: 'VAR_DIR', default: './var', meaning: 'where the development signing key is kept' },
      { name: 'LOG_LEVEL', default: 'info', meaning: 'fatal, error, warn, info, debug, trace or silent' },
      { name: 'LOG_FORMAT', default: 'auto', meaning: 'pretty, json, or auto (pretty on a terminal)' },
    ],
  },
  {
    title: 'Session store (Redis)',
    variables: [
      { name: 'STORE', default: 'redis if Redis is configured, else memory', meaning: 'memory or redis' },
      {
        name: 'REDIS_URL',
        default: '',
        meaning: 'redis://[user:password@]host:port[/db], rediss:// for TLS (REDIS_URL_FILE: from a file)',
        example: 'redis://127.0.0.1:6379',
      },
      { name: 'REDIS_URL_FILE', default: '', meaning: 'a file holding REDIS_URL' },
      { name: 'REDIS_HOST', default: '127.0.0.1', meaning: 'instead of REDIS_URL, piece by piece' },
      { name: 'REDIS_PORT', default: '6379', meaning: '' },
      { name: 'REDIS_USERNAME', default: '', meaning: '' },
      { name: 'REDIS_PASSWORD', default: '', meaning: '(REDIS_PASSWORD_FILE: from a file)' },
      { name: 'REDIS_PASSWORD_FILE', default: '', meaning: 'a file holding REDIS_PASSWORD' },
      { name: 'REDIS_DB', default: '0', meaning: '' },
      { name: 'REDIS_TLS', default: 'false', meaning: '' },
      { name: 'REDIS_SENTINELS', default: '', meaning: 'host:port,host:port of Sentinels' },
      { name: 'REDIS_SENTINEL_NAME', default: 'mymaster', meaning: 'the master name Sentinels watch' },
      { name: 'REDIS_CLUSTER_NODES', default: '', meaning: 'host:port,... seed nodes of a Redis Cluster' },
      {
        name: 'REDIS_POOL_SIZE',
        default: '2 per worker',
        meaning: 'connections for the whole process group',
      },
      {
        name: 'REDIS_POOL_MODE',
        default: 'multiplexed',
        meaning: 'multiplexed (pipelining) or exclusive (checkout)',
      },
      {
        name: 'REDIS_HEALTH_CHECK_INTERVAL',
        default: '30',
        meaning: 'seconds between connection health checks',
      },
      { name: 'REDIS_HEALTH_CHECK_TIMEOUT_MS', default: '1000', meaning: 'timeout of one health check' },
      { name: 'REDIS_CONNECT_TIMEOUT_MS', default: '5000', meaning: 'connect timeout' },
      {
        name: 'REDIS_COMMAND_TIMEOUT_MS',
        default: '1000',
        meaning: 'a store call not answered by then fails (503)',
      },
      { name: 'REDIS_ACQUIRE_TIMEOUT_MS', default: '500', meaning: 'longest wait for a connection' },
      { name: 'REDIS_MAX_PENDING', default: '2000', meaning: 'bound of the wait queue per process' },
    ],
  },
  {
    title: 'Accounts database',
    variables: [
      {
        name: 'DATABASE_URL',
        default: 'the embedded PGlite in DATABASE_DIR',
        meaning: 'postgres://user:password@host:port/db; required in production and for WORKERS > 1',
        example: 'postgres://tollgate@127.0.0.1:5432/tollgate',
      },
      { name: 'DATABASE_URL_FILE', default: '', meaning: 'a file holding DATABASE_URL' },
      {
        name: 'DATABASE_DIR',
        default: '<VAR_DIR>/db',
        meaning: 'where the embedded database (PGlite) keeps its files',
      },
      {
        name: 'DATABASE_POOL_SIZE',
        default: '10',
        meaning: 'PostgreSQL connections for the whole process group',
      },
      { name: 'DATABASE_CONNECT_TIMEOUT_MS', default: '5000', meaning: 'connect timeout' },
      {
        name: 'DATABASE_STATEMENT_TIMEOUT_MS',
        default: '2000',
        meaning: 'a query not answered by then fails (503)',
      },
      { name: 'AUDIT_RETENTION_DAYS', default: '90', meaning: 'security events older than this are deleted' },
    ],
  },
  {
    title: 'Tokens and sessions',
    variables: [
      {
        name: 'JWT_PRIVATE_KEY',
        default: 'development: generated under VAR_DIR',
        meaning: 'PEM signing key (Ed25519, P-256 or RSA >= 2048); tollgate keys generate makes one',
      },
      {
        name: 'JWT_PRIVATE_KEY_FILE',
        default: '',
        meaning: 'a file holding the signing key',
        example: 'secrets/jwt-signing-key.pem',
      },
      {
        name: 'JWT_PUBLIC_KEYS',
        default: '',
        meaning: 'previous public keys still accepted and published (rotation)',
      },
      { name: 'JWT_PUBLIC_KEYS_FILE', default: '', meaning: 'a file holding JWT_PUBLIC_KEYS' },
      {
        name: 'TOKEN_ISSUER',
        default: 'PUBLIC_URL',
        meaning: 'iss of access tokens and the metadata issuer; must equal PUBLIC_URL (RFC 8414)',
      },
      {
        name: 'TOKEN_AUDIENCE',
        default: 'tollgate',
        meaning: 'aud of access tokens: one audience or a comma-separated list',
        example: 'orders-api',
      },
      { name: 'ACCESS_TOKEN_TTL', default: '900', meaning: 'access token lifetime, seconds' },
      { name: 'REFRESH_TOKEN_TTL', default: '604800', meaning: 'refresh token / session lifetime, seconds' },
      {
        name: 'REFRESH_RETRY_GRACE',
        default: '30',
        meaning: 'seconds a rotated refresh token is a retry, not reuse',
      },
      {
        name: 'MAX_SESSIONS_PER_USER',
        default: '100',
        meaning: 'live sessions per user; the one closest to expiry ends first',
      },
    ],
  },
  {
    title: 'Other services and browsers',
    variables: [
      {
        name: 'PUBLIC_URL',
        default: 'http://HOST:PORT (required in production)',
        meaning:
          'the externally visible base URL: metadata links; its origin may always use the refresh cookie',
        example: 'https://auth.example.com',
      },
      {
        name: 'INTROSPECTION_CLIENTS',
        default: '',
        meaning: 'id:sha256hex,... clients allowed to call /oauth/introspect (tollgate clients secret)',
      },
      { name: 'INTROSPECTION_CLIENTS_FILE', default: '', meaning: 'a file holding INTROSPECTION_CLIENTS' },
      {
        name: 'CORS_ORIGINS',
        default: '',
        meaning: 'browser origins allowed by CORS, with credentials (comma-separated)',
        example: 'https://app.example.com',
      },
      {
        name: 'REFRESH_COOKIE',
        default: 'off',
        meaning: 'on: the refresh token travels only in an httpOnly cookie on /auth',
      },
    ],
  },
  {
    title: 'Passkeys (WebAuthn)',
    variables: [
      {
        name: 'WEBAUTHN_RP_ID',
        default: "PUBLIC_URL's hostname",
        meaning: 'the relying party id passkeys are bound to: a domain (changing it orphans every passkey)',
        example: 'example.com',
      },
      { name: 'WEBAUTHN_RP_NAME', default: 'tollgate', meaning: 'the service name authenticators show' },
      {
        name: 'WEBAUTHN_TOP_ORIGINS',
        default: '',
        meaning:
          'passkeys: sites that may show the sign-in page in a frame (comma-separated origins); none: a framed (crossOrigin) sign-in is refused',
      },
      {
        name: 'WEBAUTHN_ORIGINS',
        default: "PUBLIC_URL's origin",
        meaning: 'origins of the pages that register and use passkeys (comma-separated; under the rp id)',
        example: 'https://app.example.com',
      },
    ],
  },
  {
    title: 'Security',
    variables: [
      {
        name: 'OPS_TOKEN',
        default: '',
        meaning: 'bearer token for /health/redis, /redis/stats, /metrics (>= 16 chars)',
      },
      { name: 'OPS_TOKEN_FILE', default: '', meaning: 'a file holding OPS_TOKEN' },
      { name: 'ALLOW_REGISTRATION', default: 'true', meaning: 'false disables POST /auth/register' },
      {
        name: 'DOCS',
        default: 'on (production: off)',
        meaning: 'serve the interactive API docs at /docs; /openapi.json is always served',
      },
      { name: 'LOGIN_FAILURE_WINDOW', default: '900', meaning: 'seconds a wrong password counts' },
      {
        name: 'LOGIN_MAX_FAILURES_PER_ACCOUNT_IP',
        default: '10',
        meaning: 'wrong passwords per (account, address) per window',
      },
      {
        name: 'LOGIN_MAX_FAILURES_PER_IP',
        default: '100',
        meaning: 'wrong passwords per address per window',
      },
      { name: 'REGISTER_MAX_PER_IP', default: '20', meaning: 'accounts one address may register per hour' },
      {
        name: 'PASSKEY_OPTIONS_MAX_PER_IP',
        default: '30',
        meaning: 'passkey sign-in options (each a stored challenge) per address per minute',
      },
      {
        name: 'PASSKEY_CHALLENGES_MAX',
        default: '100000',
        meaning: 'passkey sign-in challenges given out per 5 minutes, all addresses together (bounds Redis)',
      },
      {
        name: 'AUDIT_REFUSAL_WINDOW',
        default: '60',
        meaning:
          'seconds: requests refused before any check (429, refused /admin) are one audit row per address per window',
      },
      { name: 'PASSWORD_MIN_LENGTH', default: '8', meaning: 'characters (code points)' },
      { name: 'PASSWORD_MAX_LENGTH', default: '128', meaning: 'characters (code points)' },
      {
        name: 'PASSWORD_HASHER',
        default: 'threads-low-priority',
        meaning:
          "where argon2id runs: threads-low-priority (own threads at the lowest OS priority, so token checks keep the CPU), threads (own threads, normal priority) or libuv (Node's thread pool)",
      },
      {
        name: 'PASSWORD_HASH_CONCURRENCY',
        default: 'cores / workers',
        meaning:
          'argon2id hashes at once per process (rounded up; with PASSWORD_HASHER=libuv and one process: at most UV_THREADPOOL_SIZE - 1)',
      },
      {
        name: 'UV_THREADPOOL_SIZE',
        default: '4 (PASSWORD_HASHER=libuv with workers: hashes + 2)',
        meaning:
          "Node's thread pool (token signing; the hashes too with PASSWORD_HASHER=libuv); set it in the process environment, not in .env",
      },
      {
        name: 'PASSWORD_HASH_ADMISSION',
        default: 'predicted-wait',
        meaning:
          'predicted-wait: a password check waits for a hashing slot while its predicted wait is within PASSWORD_HASH_MAX_WAIT_MS, else 503 at once; bounded-queue: at most PASSWORD_HASH_QUEUE wait, each at most PASSWORD_HASH_MAX_WAIT_MS',
      },
      {
        name: 'PASSWORD_HASH_MAX_WAIT_MS',
        default: '5000',
        meaning:
          'predicted-wait: the longest predicted wait for a hashing slot (Retry-After on a 503 is the predicted wait); bounded-queue: the longest wait',
      },
      {
        name: 'PASSWORD_HASH_QUEUE',
        default: '1000',
        meaning: 'password checks waiting per process at most; beyond: 503 overloaded',
      },
      {
        name: 'PASSWORD_HASH_QUEUE_ORDER',
        default: 'adaptive',
        meaning:
          'bounded-queue admission: which waiting password check gets a free slot: fifo (oldest), lifo (newest) or adaptive (oldest until the queue stands, then newest)',
      },
      {
        name: 'PASSWORD_HASH_OVERLOAD_MS',
        default: '500',
        meaning:
          'bounded-queue, adaptive order: password checks waiting this long with no spare slot mean overload',
      },
      {
        name: 'PASSWORD_HASH_OVERLOAD_WAIT_MS',
        default: '100',
        meaning:
          'bounded-queue, adaptive order, under overload: the longest wait for a slot; the excess gets 503 at once',
      },
    ],
  },
  {
    title: 'Account mail and two-factor login',
    variables: [
      {
        name: 'SMTP_URL',
        default: '',
        meaning:
          'smtp://[user:password@]host[:port] (STARTTLS when offered) or smtps:// (TLS); unset: development logs each mail, production sends none',
        example: 'smtp://mailer:secret@smtp.example.com:587',
      },
      { name: 'SMTP_URL_FILE', default: '', meaning: 'a file holding SMTP_URL' },
      {
        name: 'MAIL_FROM',
        default: 'tollgate <no-reply@PUBLIC_URL host>',
        meaning: 'the sender of account mail',
        example: '"Example Accounts" <no-reply@example.com>',
      },
      {
        name: 'MAIL_TEMPLATES_DIR',
        default: '',
        meaning:
          'files here (password_reset.txt/.html, email_verification.txt/.html) replace the built-in mails',
      },
      {
        name: 'PASSWORD_RESET_URL_PATH',
        default: '/reset-password',
        meaning: 'the page on PUBLIC_URL a reset link opens (it receives ?token=)',
      },
      {
        name: 'EMAIL_VERIFICATION_URL_PATH',
        default: '/verify-email',
        meaning: 'the page on PUBLIC_URL a verification link opens (it receives ?token=)',
      },
      { name: 'PASSWORD_RESET_TTL', default: '1800', meaning: 'seconds a reset link works (once)' },
      {
        name: 'EMAIL_VERIFICATION_TTL',
        default: '86400',
        meaning: 'seconds a verification link works (once)',
      },
      {
        name: 'REQUIRE_VERIFIED_EMAIL',
        default: 'off',
        meaning:
          'on: login answers 403 email_not_verified after a correct password until the address is verified (a link is mailed then, and at registration)',
      },
      {
        name: 'REAUTH_MAX_AGE',
        default: '300',
        meaning:
          'seconds (30-3600) a sign-in or POST /auth/reauthenticate counts as recent: adding or removing a factor, new recovery codes and an email change need one that recent',
      },
      {
        name: 'SECRETS_KEY',
        default: 'development: generated under VAR_DIR',
        meaning:
          'seals TOTP secrets at rest (AES-256-GCM): 32 bytes as 64 hex digits or base64 (openssl rand -base64 32); production without it has no TOTP',
      },
      { name: 'SECRETS_KEY_FILE', default: '', meaning: 'a file holding SECRETS_KEY' },
      {
        name: 'SECRETS_PREVIOUS_KEYS',
        default: '',
        meaning: 'earlier SECRETS_KEYs, comma-separated: still open what they sealed (key rotation)',
      },
      { name: 'SECRETS_PREVIOUS_KEYS_FILE', default: '', meaning: 'a file holding SECRETS_PREVIOUS_KEYS' },
    ],
  },
  {
    title: 'Password policy (new passwords: register, change, reset)',
    variables: [
      {
        name: 'PASSWORD_POLICY',
        default: 'min-score:3',
        meaning: 'min-score:N (zxcvbn strength, N from 0 to 4) or off',
        example: 'min-score:3',
      },
      {
        name: 'PASSWORD_BREACH_CHECK',
        default: 'off',
        meaning:
          'hibp: also refuse passwords a breach range API lists (only 5 hex chars of the SHA-1 leave; fails open)',
        example: 'hibp',
      },
      {
        name: 'PASSWORD_BREACH_CHECK_URL',
        default: 'https://api.pwnedpasswords.com/range/',
        meaning: 'the range API or a mirror of it',
      },
      {
        name: 'PASSWORD_BREACH_CHECK_TIMEOUT_MS',
        default: '2000',
        meaning: 'bound of one range request; past it the password is judged on strength alone',
      },
    ],
  },
];

export const VARIABLES: readonly VariableDoc[] = VARIABLE_GROUPS.flatMap((g) => g.variables);

/** The text `tollgate serve --help` appends: every variable with its default. */
export function variablesHelp(): string {
  const lines = ['', 'Environment variables (also read from .env and .env.<DEPLOYMENT_ENV>):'];
  const width = Math.max(...VARIABLES.map((v) => v.name.length));
  for (const group of VARIABLE_GROUPS) {
    lines.push('', `  ${group.title}`);
    for (const v of group.variables) {
      const def = v.default ? ` [default: ${v.default}]` : '';
      lines.push(`    ${v.name.padEnd(width)}  ${v.meaning}${def}`.trimEnd());
    }
  }
  lines.push('', 'Full reference: docs/configuration.md');
  return lines.join('\n');
}

/** `.env.example`: every variable, commented out, with its meaning and default. */
export function envExample(): string {
  const out = [
    '# tollgate configuration. Copy to .env (or .env.<DEPLOYMENT_ENV>) and uncomment what you need.',
    '# The real environment wins over these files. Full reference: docs/configuration.md',
  ];
  for (const group of VARIABLE_GROUPS) {
    out.push('', `# --- ${group.title}`);
    for (const v of group.variables) {
      const about = [v.meaning, v.default ? `default: ${v.default}` : ''].filter(Boolean).join('; ');
      if (about) out.push(`# ${about}`);
      out.push(`# ${v.name}=${v.example ?? ''}`);
    }
  }
  return out.join('\n') + '\n';
}
