/** The operations token, registration, API docs, login limits and password rules. */
import { availableParallelism } from 'node:os';
import { bool, int, oneOf, secret, type Section } from '../declare.js';
import type { Reader } from '../reader.js';
import type { PasswordHashingConfig, RateLimitConfig } from '../schema.js';
import type { ServerSection } from './server.js';

/** libuv's thread pool size when UV_THREADPOOL_SIZE is not set. */
const DEFAULT_THREAD_POOL_SIZE = 4;

const OPS_TOKEN = secret({
  name: 'OPS_TOKEN',
  what: 'token file',
  meaning: 'bearer token for `/health/redis`, `/redis/stats`, `/metrics` (≥ 16 chars)',
  details: '; required in production',
});

/** Read by `loadConfig` (Config.allowRegistration). */
export const ALLOW_REGISTRATION = bool({
  name: 'ALLOW_REGISTRATION',
  default: true,
  meaning: '`false` disables `POST /auth/register`',
  details: '(403)',
});

/** Read by `loadConfig` (Config.docs): the interactive API docs are for development. */
export const DOCS = bool({
  name: 'DOCS',
  computed: '`on` (production: `off`)',
  meaning: 'serve the interactive API docs at `/docs`; `/openapi.json` is always served',
});

const LOGIN_FAILURE_WINDOW = int({
  name: 'LOGIN_FAILURE_WINDOW',
  default: 900,
  min: 1,
  max: 86_400,
  meaning: 'seconds a wrong password counts',
});

const LOGIN_MAX_FAILURES_PER_ACCOUNT_IP = int({
  name: 'LOGIN_MAX_FAILURES_PER_ACCOUNT_IP',
  default: 10,
  min: 1,
  max: 1_000_000,
  meaning: 'wrong passwords per (account, address) per window',
});

const LOGIN_MAX_FAILURES_PER_IP = int({
  name: 'LOGIN_MAX_FAILURES_PER_IP',
  default: 100,
  min: 1,
  max: 10_000_000,
  meaning: 'wrong passwords per address per window',
});

const REGISTER_MAX_PER_IP = int({
  name: 'REGISTER_MAX_PER_IP',
  default: 20,
  min: 1,
  max: 10_000_000,
  meaning: 'accounts one address may register per hour',
  details: '(429 `too_many_attempts` past it)',
});

const PASSKEY_OPTIONS_MAX_PER_IP = int({
  name: 'PASSKEY_OPTIONS_MAX_PER_IP',
  default: 30,
  min: 1,
  max: 10_000_000,
  meaning: 'passkey sign-in options (each a stored 5-minute challenge) per address per minute',
});

const PASSKEY_CHALLENGES_MAX = int({
  name: 'PASSKEY_CHALLENGES_MAX',
  default: 100_000,
  min: 1,
  max: 100_000_000,
  meaning:
    'passkey sign-in challenges given out per 5 minutes, all addresses together (bounds what a flood can store in Redis)',
  details: '; past it, options answer 429',
});

const AUDIT_REFUSAL_WINDOW = int({
  name: 'AUDIT_REFUSAL_WINDOW',
  default: 60,
  min: 1,
  max: 3600,
  meaning:
    'seconds: requests refused before any check (429, refused `/admin`) are one audit row per address per window',
  details: '(per type, with a `count`)',
});

const PASSWORD_MIN_LENGTH = int({
  name: 'PASSWORD_MIN_LENGTH',
  default: 8,
  min: 1,
  max: 128,
  meaning: 'password length at least, in characters (Unicode code points, after NFC)',
});

const PASSWORD_MAX_LENGTH = int({
  name: 'PASSWORD_MAX_LENGTH',
  default: 128,
  min: 8,
  max: 1024,
  meaning: 'password length at most, in characters (Unicode code points, after NFC)',
});

const PASSWORD_HASHER = oneOf({
  name: 'PASSWORD_HASHER',
  allowed: ['threads-low-priority', 'threads', 'libuv'],
  default: 'threads-low-priority',
  meaning:
    "where argon2id runs: `threads-low-priority` (own threads at the lowest OS priority, so token checks keep the CPU), `threads` (own threads, normal priority) or `libuv` (Node's thread pool)",
  details:
    '(nice 19 keeps the event loop and the token checks going under a login flood; docs/benchmarks.md compares them)',
});

const PASSWORD_HASH_CONCURRENCY = int({
  name: 'PASSWORD_HASH_CONCURRENCY',
  computed:
    'cores ÷ workers, rounded up (the cores the process may run on); `libuv` and one process: at most `UV_THREADPOOL_SIZE` − 1',
  min: 1,
  max: 256,
  meaning: 'argon2id hashes at once per process (one thread each)',
  details:
    '; more only take CPU from the event loop (docs/benchmarks.md). With `PASSWORD_HASHER=libuv` it must stay below `UV_THREADPOOL_SIZE`, whose threads also sign tokens',
});

const UV_THREADPOOL_SIZE = int({
  name: 'UV_THREADPOOL_SIZE',
  computed: `\`${DEFAULT_THREAD_POOL_SIZE}\`; \`PASSWORD_HASHER=libuv\` with workers: their hashes + 2`,
  min: 1,
  max: 1024,
  meaning:
    "Node's thread pool (token signing; the hashes too with `PASSWORD_HASHER=libuv`); set it in the process environment, not in .env",
  details:
    '(Node reads it when the process starts); with `WORKERS` > 1 the primary starts each worker with the default shown unless it is set',
});

const PASSWORD_HASH_ADMISSION = oneOf({
  name: 'PASSWORD_HASH_ADMISSION',
  allowed: ['predicted-wait', 'bounded-queue'],
  default: 'predicted-wait',
  meaning:
    '`predicted-wait`: a password check waits for a hashing slot while its predicted wait is within `PASSWORD_HASH_MAX_WAIT_MS`, else 503 at once; `bounded-queue`: at most `PASSWORD_HASH_QUEUE` wait, each at most `PASSWORD_HASH_MAX_WAIT_MS`',
  details:
    '(the predicted wait is the place in line over the measured hash rate; the 503 is `overloaded` with `Retry-After` = the predicted wait)',
});

const PASSWORD_HASH_MAX_WAIT_MS = int({
  name: 'PASSWORD_HASH_MAX_WAIT_MS',
  default: 5000,
  min: 1,
  max: 60_000,
  meaning:
    '`predicted-wait`: the longest predicted wait for a hashing slot (a waiter still without one at twice it gets 503); `bounded-queue`: the longest wait',
  details: '. 503s are not counted as failed logins',
});

const PASSWORD_HASH_QUEUE = int({
  name: 'PASSWORD_HASH_QUEUE',
  default: 1000,
  min: 0,
  max: 100_000,
  meaning: 'password checks waiting per process at most; beyond: 503 `overloaded` at once',
});

const PASSWORD_HASH_QUEUE_ORDER = oneOf({
  name: 'PASSWORD_HASH_QUEUE_ORDER',
  allowed: ['fifo', 'lifo', 'adaptive'],
  default: 'adaptive',
  meaning:
    '`bounded-queue` only: which waiting password check gets a free slot: `fifo` (oldest), `lifo` (newest) or `adaptive` (oldest until the queue stands, then newest)',
  details: '; `predicted-wait` serves the oldest first',
});

const PASSWORD_HASH_OVERLOAD_MS = int({
  name: 'PASSWORD_HASH_OVERLOAD_MS',
  default: 500,
  min: 1,
  max: 60_000,
  meaning:
    '`bounded-queue`, `adaptive` order: password checks waiting this long with no spare slot mean overload',
  details: '(a burst that drains sooner is served oldest first)',
});

const PASSWORD_HASH_OVERLOAD_WAIT_MS = int({
  name: 'PASSWORD_HASH_OVERLOAD_WAIT_MS',
  default: 100,
  min: 1,
  max: 60_000,
  meaning:
    '`bounded-queue`, `adaptive` order, under overload: the longest wait for a slot; the excess gets 503 at once',
});

export const SECURITY: Section = {
  title: 'Security',
  variables: [
    OPS_TOKEN,
    ALLOW_REGISTRATION,
    DOCS,
    LOGIN_FAILURE_WINDOW,
    LOGIN_MAX_FAILURES_PER_ACCOUNT_IP,
    LOGIN_MAX_FAILURES_PER_IP,
    REGISTER_MAX_PER_IP,
    PASSKEY_OPTIONS_MAX_PER_IP,
    PASSKEY_CHALLENGES_MAX,
    AUDIT_REFUSAL_WINDOW,
    PASSWORD_MIN_LENGTH,
    PASSWORD_MAX_LENGTH,
    PASSWORD_HASHER,
    PASSWORD_HASH_CONCURRENCY,
    UV_THREADPOOL_SIZE,
    PASSWORD_HASH_ADMISSION,
    PASSWORD_HASH_MAX_WAIT_MS,
    PASSWORD_HASH_QUEUE,
    PASSWORD_HASH_QUEUE_ORDER,
    PASSWORD_HASH_OVERLOAD_MS,
    PASSWORD_HASH_OVERLOAD_WAIT_MS,
  ],
};

export function readOpsToken(r: Reader, server: ServerSection): string | undefined {
  const opsToken = OPS_TOKEN.read(r);
  if (server.production && !opsToken && !r.isSet(`${OPS_TOKEN.name}_FILE`)) {
    r.issue(
      OPS_TOKEN.name,
      'production requires OPS_TOKEN to protect /health/redis, /redis/stats and /metrics',
    );
  }
  if (opsToken && opsToken.length < 16) r.issue(OPS_TOKEN.name, 'must be at least 16 characters');
  return opsToken;
}

export function readRateLimits(r: Reader): RateLimitConfig {
  return {
    windowSeconds: LOGIN_FAILURE_WINDOW.read(r),
    maxFailuresPerAccountIp: LOGIN_MAX_FAILURES_PER_ACCOUNT_IP.read(r),
    maxFailuresPerIp: LOGIN_MAX_FAILURES_PER_IP.read(r),
    registrationsPerIp: REGISTER_MAX_PER_IP.read(r),
    passkeyOptionsPerIp: PASSKEY_OPTIONS_MAX_PER_IP.read(r),
    passkeyChallenges: PASSKEY_CHALLENGES_MAX.read(r),
    refusalAuditWindowSeconds: AUDIT_REFUSAL_WINDOW.read(r),
  };
}

export interface PasswordSection {
  passwordMinLength: number;
  passwordMaxLength: number;
  passwordHashing: PasswordHashingConfig;
}

export function readPasswords(r: Reader, server: ServerSection): PasswordSection {
  const passwordMinLength = PASSWORD_MIN_LENGTH.read(r);
  const passwordMaxLength = PASSWORD_MAX_LENGTH.read(r);
  if (passwordMaxLength < passwordMinLength) {
    r.issue(PASSWORD_MAX_LENGTH.name, 'must be at least PASSWORD_MIN_LENGTH');
  }
  const runner = PASSWORD_HASHER.read(r);
  const { concurrency, threadPoolSize } = readHashingSlots(r, server, runner);
  return {
    passwordMinLength,
    passwordMaxLength,
    passwordHashing: {
      runner,
      concurrency,
      threadPoolSize,
      // A login waits for a hashing slot while its predicted wait stays within a bound people
      // accept on a login form (5 s: well inside the ~10 s a person keeps attention on a
      // task; a 503 costs them a manual retry, which takes longer); beyond it: 503 at once.
      admission: PASSWORD_HASH_ADMISSION.read(r),
      maxQueue: PASSWORD_HASH_QUEUE.read(r),
      maxWaitMs: PASSWORD_HASH_MAX_WAIT_MS.read(r),
      // bounded-queue admission only: oldest first for a burst; under a standing queue newest
      // first with short waits (docs/benchmarks.md).
      queueOrder: PASSWORD_HASH_QUEUE_ORDER.read(r),
      overloadMs: PASSWORD_HASH_OVERLOAD_MS.read(r),
      overloadWaitMs: PASSWORD_HASH_OVERLOAD_WAIT_MS.read(r),
    },
  };
}

/**
 * How many argon2id hashes a process runs at once, and the size of its libuv thread pool.
 *
 * By default the group runs one hash per core it may use (its CPU affinity, rounded up per
 * worker). One more than the cores was measured and not adopted: it took CPU from the event
 * loops, and with it verify and login latency, for no steady gain in logins served
 * (docs/benchmarks.md).
 *
 * The hashes run on threads of their own (PASSWORD_HASHER=threads*), so libuv's pool (token
 * signing and verification, file I/O) keeps its default size, and workers are forked with it.
 * With PASSWORD_HASHER=libuv the hashes share that pool with token signing, so they must
 * leave threads free: a single process keeps at least one thread of its pool free (the
 * pool's size is fixed before any of our code runs); in cluster mode the primary starts each
 * worker with a pool of its hashes + 2 unless UV_THREADPOOL_SIZE is set.
 */
function readHashingSlots(
  r: Reader,
  server: ServerSection,
  runner: 'threads-low-priority' | 'threads' | 'libuv',
): { concurrency: number; threadPoolSize: number } {
  const configuredPool = UV_THREADPOOL_SIZE.isSet(r)
    ? UV_THREADPOOL_SIZE.read(r, DEFAULT_THREAD_POOL_SIZE)
    : undefined;
  const perProcess = Math.max(1, Math.ceil(availableParallelism() / server.workers));
  const single = server.workers === 1;
  const shared = runner === 'libuv';
  const concurrency = PASSWORD_HASH_CONCURRENCY.read(
    r,
    shared && single
      ? Math.max(1, Math.min(perProcess, (configuredPool ?? DEFAULT_THREAD_POOL_SIZE) - 1))
      : perProcess,
  );
  const threadPoolSize =
    configuredPool ??
    (!shared || single ? DEFAULT_THREAD_POOL_SIZE : Math.max(DEFAULT_THREAD_POOL_SIZE, concurrency + 2));
  if (shared && PASSWORD_HASH_CONCURRENCY.isSet(r) && concurrency >= threadPoolSize) {
    r.issue(
      PASSWORD_HASH_CONCURRENCY.name,
      `${concurrency} hashes at once would fill the thread pool of ${threadPoolSize} they share with token signing: ` +
        `set UV_THREADPOOL_SIZE to at least ${concurrency + 1}${single ? '' : ' (or leave it unset)'}`,
    );
  }
  return { concurrency, threadPoolSize };
}
