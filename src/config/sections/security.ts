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
  return {
    passwordMinLength,
    passwordMaxLength,
    passwordHashing: {
      // One hash per core across the group by default: more only queues inside libuv.
      concurrency: r.int(
        'PASSWORD_HASH_CONCURRENCY',
        Math.max(1, Math.ceil(availableParallelism() / server.workers)),
        1,
        256,
      ),
      maxQueue: r.int('PASSWORD_HASH_QUEUE', 64, 0, 100_000),
      maxWaitMs: r.int('PASSWORD_HASH_MAX_WAIT_MS', 1000, 1, 60_000),
      // Oldest first for a burst; under a standing queue newest first with short waits
      // (the hashes go to clients still waiting, the excess is told at once; docs/benchmarks.md).
      queueOrder: r.oneOf('PASSWORD_HASH_QUEUE_ORDER', ['fifo', 'lifo', 'adaptive'] as const, 'adaptive'),
      overloadMs: r.int('PASSWORD_HASH_OVERLOAD_MS', 500, 1, 60_000),
      overloadWaitMs: r.int('PASSWORD_HASH_OVERLOAD_WAIT_MS', 100, 1, 60_000),
    },
  };
}
