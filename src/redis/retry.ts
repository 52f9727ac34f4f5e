/**
 * Retry policy and error classification. A failed attempt is retried only when it is
 * safe: the command provably never reached Redis (no connection, client offline, or a
 * server refusal that guarantees nothing ran), or the caller declared it idempotent.
 * A timed-out command is never retried: its time budget is spent and a frozen server
 * will not answer the retry either.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { AbortError, ClientClosedError, ClientOfflineError, ErrorReply } from 'redis';
import { PoolExhaustedError, StoreTimeoutError, StoreUnavailableError } from '../errors.js';

/** At most this many retries after the first attempt. */
export const MAX_RETRIES = 3;
const RETRY_BASE_MS = 8;
const RETRY_FACTOR = 4;
const RETRY_CAP_MS = 512;

/** Delay before retry number `retry` (0-based): 8, 32, 128 ms, capped at 512 ms. */
export function retryDelayMs(retry: number): number {
  return Math.min(RETRY_CAP_MS, RETRY_BASE_MS * RETRY_FACTOR ** Math.max(0, retry));
}

export interface ReconnectBackoff {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_RECONNECT_BACKOFF: ReconnectBackoff = { baseMs: 50, maxMs: 1000 };

/**
 * Jittered exponential backoff for reconnects ("equal jitter"): the exponential delay
 * `base * 2^attempt` capped at `max`, of which the upper half is randomised so that
 * many connections (and workers) do not reconnect in lockstep. `random` is in [0, 1).
 */
export function reconnectDelayMs(
  attempt: number,
  backoff: ReconnectBackoff = DEFAULT_RECONNECT_BACKOFF,
  random: () => number = Math.random,
): number {
  const exp = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.min(30, Math.max(0, attempt)));
  const half = exp / 2;
  return Math.round(half + random() * half);
}

/** Where an attempt failed, which decides whether it may be repeated. */
export type SendState =
  /** Provably not executed by Redis: safe to retry any command. */
  | 'not_sent'
  /** Maybe executed (written, reply lost): retry only idempotent commands. */
  | 'maybe_sent'
  /** Final: Redis answered with an error, the command timed out, the pool is exhausted or closed. */
  | 'final';

export interface Classified {
  state: SendState;
  error: StoreUnavailableError;
}

/** Errors the pool itself knows were raised before anything was written. */
const notSent = new WeakSet<object>();

export function markNotSent<E extends object>(err: E): E {
  notSent.add(err);
  return err;
}

/** Errors the pool decided not to retry (e.g. no connection up and none reconnecting). */
const noRetry = new WeakSet<object>();

export function markFinal<E extends object>(err: E): E {
  noRetry.add(err);
  return err;
}

/**
 * Server error codes that guarantee the command did not run (the server refused it
 * before execution: loading, failover, cluster resharding, a busy script).
 */
const REFUSED_CODES = new Set([
  'LOADING',
  'BUSY',
  'MASTERDOWN',
  'READONLY',
  'TRYAGAIN',
  'CLUSTERDOWN',
  'NOREPLICAS',
]);

/**
 * node-redis errors raised before a command is written: the client is offline or closed
 * (it rejects at once, the offline queue being disabled), or an abort removed it from
 * the write queue.
 */
function isClientNotSent(err: unknown): boolean {
  return err instanceof ClientOfflineError || err instanceof ClientClosedError || err instanceof AbortError;
}

export function errorCode(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const first = err.message.split(' ', 1)[0];
  return first && /^[A-Z][A-Z_]+$/.test(first) ? first : undefined;
}

/** True for a reply error sent by Redis (as opposed to a client or socket error). */
export function isReplyError(err: unknown): err is ErrorReply {
  return err instanceof ErrorReply;
}

export function isNoScript(err: unknown): boolean {
  return isReplyError(err) && errorCode(err) === 'NOSCRIPT';
}

/** Maps any failure of one attempt to a catalogue error and its send state. */
export function classify(err: unknown): Classified {
  if (err instanceof StoreTimeoutError || err instanceof PoolExhaustedError) {
    return { state: 'final', error: err };
  }
  if (err instanceof StoreUnavailableError) {
    if (err.reason === 'closed' || noRetry.has(err)) return { state: 'final', error: err };
    return { state: notSent.has(err) ? 'not_sent' : 'maybe_sent', error: err };
  }
  if (isReplyError(err)) {
    const code = errorCode(err) ?? 'ERR';
    const error = new StoreUnavailableError('error', `Redis replied with an error (${code})`, { cause: err });
    return { state: REFUSED_CODES.has(code) ? 'not_sent' : 'final', error };
  }
  if (isClientNotSent(err)) {
    return {
      state: 'not_sent',
      error: new StoreUnavailableError('disconnected', 'The session store connection is down', {
        cause: err,
      }),
    };
  }
  return {
    state: 'maybe_sent',
    error: new StoreUnavailableError('disconnected', 'The session store connection was lost', { cause: err }),
  };
}

/** The retry decision for one failed attempt (`retry` = number of retries done so far). */
export function shouldRetry(state: SendState, idempotent: boolean, retry: number): boolean {
  if (retry >= MAX_RETRIES) return false;
  if (state === 'not_sent') return true;
  return state === 'maybe_sent' && idempotent;
}

/**
 * Runs `attempt` until it succeeds or the policy says stop, waiting `retryDelayMs`
 * between tries. Rejects with the last failure as a catalogue error. `stopped()` ends
 * the loop early (the pool is closing); `onRetry` is told about every retry.
 */
export async function withRetries<T>(
  attempt: () => Promise<T>,
  idempotent: boolean,
  stopped: () => boolean,
  onRetry: () => void,
): Promise<T> {
  try {
    return await attempt();
  } catch (err) {
    return retryAfter(err, attempt, idempotent, stopped, onRetry);
  }
}

/**
 * The retry loop after a first attempt failed with `firstError`: the pool makes its
 * first attempt directly (no loop, no closure on the path of a command that succeeds)
 * and comes here only when it failed.
 */
export async function retryAfter<T>(
  firstError: unknown,
  attempt: () => Promise<T>,
  idempotent: boolean,
  stopped: () => boolean,
  onRetry: () => void,
): Promise<T> {
  let err = firstError;
  for (let retry = 0; ; retry++) {
    const { state, error } = classify(err);
    if (stopped() || !shouldRetry(state, idempotent, retry)) throw error;
    onRetry();
    await sleep(retryDelayMs(retry));
    try {
      return await attempt();
    } catch (next) {
      err = next;
    }
  }
}
