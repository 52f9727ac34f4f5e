/** The operations token, login limits, registration and password rules. */
import { availableParallelism } from 'node:os';
import type { Reader } from '../reader.js';
import type { PasswordHashingConfig, RateLimitConfig } from '../schema.js';
import type { ServerSection } from './server.js';

export function readOpsToken(r: Reader, server: ServerSection): string | undefined {
  const opsToken = r.secret('OPS_TOKEN', 'token file');
  if (server.production && !opsToken && !r.isSet('OPS_TOKEN_FILE')) {
    r.issue('OPS_TOKEN', 'production requires OPS_TOKEN to protect /health/redis, /redis/stats and /metrics');
  }
  if (opsToken && opsToken.length < 16) r.issue('OPS_TOKEN', 'must be at least 16 characters');
  return opsToken;
}

export function readRateLimits(r: Reader): RateLimitConfig {
  return {
    windowSeconds: r.int('LOGIN_FAILURE_WINDOW', 900, 1, 86_400),
    maxFailuresPerAccountIp: r.int('LOGIN_MAX_FAILURES_PER_ACCOUNT_IP', 10, 1, 1_000_000),
    maxFailuresPerIp: r.int('LOGIN_MAX_FAILURES_PER_IP', 100, 1, 10_000_000),
    registrationsPerIp: r.int('REGISTER_MAX_PER_IP', 20, 1, 10_000_000),
    passkeyOptionsPerIp: r.int('PASSKEY_OPTIONS_MAX_PER_IP', 30, 1, 10_000_000),
    passkeyChallenges: r.int('PASSKEY_CHALLENGES_MAX', 100_000, 1, 100_000_000),
    refusalAuditWindowSeconds: r.int('AUDIT_REFUSAL_WINDOW', 60, 1, 3600),
  };
}

export interface PasswordSection {
  passwordMinLength: number;
  passwordMaxLength: number;
  passwordHashing: PasswordHashingConfig;
}

export function readPasswords(r: Reader, server: ServerSection): PasswordSection {
  const passwordMinLength = r.int('PASSWORD_MIN_LENGTH', 8, 1, 128);
  const passwordMaxLength = r.int('PASSWORD_MAX_LENGTH', 128, 8, 1024);
  if (passwordMaxLength < passwordMinLength) {
    r.issue('PASSWORD_MAX_LENGTH', 'must be at least PASSWORD_MIN_LENGTH');
  }
  const runner = r.oneOf(
    'PASSWORD_HASHER',
    ['threads-low-priority', 'threads', 'libuv'] as const,
    'threads-low-priority',
  );
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
      admission: r.oneOf(
        'PASSWORD_HASH_ADMISSION',
        ['predicted-wait', 'bounded-queue'] as const,
        'predicted-wait',
      ),
      maxQueue: r.int('PASSWORD_HASH_QUEUE', 1000, 0, 100_000),
      maxWaitMs: r.int('PASSWORD_HASH_MAX_WAIT_MS', 5000, 1, 60_000),
      // bounded-queue admission only: oldest first for a burst; under a standing queue newest
      // first with short waits (docs/benchmarks.md).
      queueOrder: r.oneOf('PASSWORD_HASH_QUEUE_ORDER', ['fifo', 'lifo', 'adaptive'] as const, 'adaptive'),
      overloadMs: r.int('PASSWORD_HASH_OVERLOAD_MS', 500, 1, 60_000),
      overloadWaitMs: r.int('PASSWORD_HASH_OVERLOAD_WAIT_MS', 100, 1, 60_000),
    },
  };
}

/** libuv's thread pool size when UV_THREADPOOL_SIZE is not set. */
const DEFAULT_THREAD_POOL_SIZE = 4;

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
  const configuredPool = r.isSet('UV_THREADPOOL_SIZE')
    ? r.int('UV_THREADPOOL_SIZE', DEFAULT_THREAD_POOL_SIZE, 1, 1024)
    : undefined;
  const perProcess = Math.max(1, Math.ceil(availableParallelism() / server.workers));
  const single = server.workers === 1;
  const shared = runner === 'libuv';
  const concurrency = r.int(
    'PASSWORD_HASH_CONCURRENCY',
    shared && single
      ? Math.max(1, Math.min(perProcess, (configuredPool ?? DEFAULT_THREAD_POOL_SIZE) - 1))
      : perProcess,
    1,
    256,
  );
  const threadPoolSize =
    configuredPool ??
    (!shared || single ? DEFAULT_THREAD_POOL_SIZE : Math.max(DEFAULT_THREAD_POOL_SIZE, concurrency + 2));
  if (shared && r.isSet('PASSWORD_HASH_CONCURRENCY') && concurrency >= threadPoolSize) {
    r.issue(
      'PASSWORD_HASH_CONCURRENCY',
      `${concurrency} hashes at once would fill the thread pool of ${threadPoolSize} they share with token signing: ` +
        `set UV_THREADPOOL_SIZE to at least ${concurrency + 1}${single ? '' : ' (or leave it unset)'}`,
    );
  }
  return { concurrency, threadPoolSize };
}
