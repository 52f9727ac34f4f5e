/**
 * A failed first connect, as a clear catalogue error: authentication, refusal, timeout
 * or an unreachable host, naming the target (never its credentials).
 */
import { StoreTimeoutError, StoreUnavailableError } from '../errors.js';
import { errorCode, isReplyError } from './retry.js';

export function connectError(err: unknown, target: string): StoreUnavailableError {
  if (err instanceof StoreUnavailableError) return err;
  if (isReplyError(err)) {
    const code = errorCode(err) ?? 'ERR';
    if (code === 'WRONGPASS' || code === 'NOAUTH' || /\bAUTH\b/i.test(err.message)) {
      return new StoreUnavailableError(
        'error',
        `Redis authentication failed for ${target} (${code}): check REDIS_USERNAME / REDIS_PASSWORD`,
        { cause: err },
      );
    }
    return new StoreUnavailableError('error', `Redis at ${target} refused the connection (${code})`, {
      cause: err,
    });
  }
  if (err instanceof Error && err.constructor.name === 'ConnectionTimeoutError') {
    return new StoreTimeoutError(`Connecting to Redis at ${target} timed out`, { cause: err });
  }
  const code = (err as { code?: unknown } | null)?.code;
  const detail = typeof code === 'string' ? code : err instanceof Error ? err.message : String(err);
  return new StoreUnavailableError('disconnected', `Cannot connect to Redis at ${target}: ${detail}`, {
    cause: err,
  });
}
