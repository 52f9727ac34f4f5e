/** Reading Redis replies: a reply that makes no sense is an InternalError (a bug or corrupt data). */
import { InternalError } from '../../errors.js';
import type { RedisReply } from '../../redis/types.js';

/** Options of a command or script that is safe to repeat: one frozen object, not one per call. */
export const SAFE_TO_REPEAT = Object.freeze({ idempotent: true });

export function asString(r: RedisReply | undefined): string | null {
  if (r === null || r === undefined) return null;
  if (typeof r === 'string') return r;
  if (Buffer.isBuffer(r)) return r.toString('utf8');
  return String(r);
}

export function asNumber(r: RedisReply | undefined): number {
  if (typeof r === 'number') return r;
  if (typeof r === 'bigint') return Number(r);
  const s = asString(r);
  const n = s === null ? NaN : Number(s);
  if (Number.isNaN(n)) throw new InternalError('unexpected reply from Redis: expected a number');
  return n;
}

export function asArray(r: RedisReply): RedisReply[] {
  if (!Array.isArray(r)) throw new InternalError('unexpected reply from Redis: expected an array');
  return r;
}
