/**
 * The Lua scripts behind every read-modify-write of the Redis store. Each runs
 * atomically on one slot (all keys share the user's hash tag).
 */
import { createHash } from 'node:crypto';
import type { LuaScript } from '../redis/types.js';

function script(name: string, numberOfKeys: number, source: string): LuaScript {
  return Object.freeze({ name, numberOfKeys, source, sha1: createHash('sha1').update(source).digest('hex') });
}

/**
 * KEYS: session, oldHashes, userSessions. ARGV: sid, uid, email, refreshHash, ttl, createdAt, sessionPrefix.
 * Creates the session, indexes it, and prunes dead ids from the user's index when it grows.
 */
export const CREATE_SESSION = script(
  'create_session',
  3,
  `
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[1], 'uid', ARGV[2], 'email', ARGV[3], 'rh', ARGV[4], 'ca', ARGV[6])
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('SADD', KEYS[3], ARGV[1])
if redis.call('TTL', KEYS[3]) < tonumber(ARGV[5]) then
  redis.call('EXPIRE', KEYS[3], ARGV[5])
end
if redis.call('SCARD', KEYS[3]) > 32 then
  for _, s in ipairs(redis.call('SMEMBERS', KEYS[3])) do
    if redis.call('EXISTS', ARGV[7] .. s) == 0 then
      redis.call('SREM', KEYS[3], s)
      redis.call('DEL', ARGV[7] .. s .. ':old')
    end
  end
end
return 1
`,
);

/**
 * KEYS: session, oldHashes, userSessions. ARGV: presentedHash, nextHash, ttl, sid.
 * Returns {1, uid, email} rotated; {2} reuse detected (session deleted); {0} invalid.
 */
export const ROTATE_REFRESH = script(
  'rotate_refresh',
  3,
  `
local cur = redis.call('HGET', KEYS[1], 'rh')
if not cur then
  return {0}
end
if cur == ARGV[1] then
  redis.call('HSET', KEYS[1], 'rh', ARGV[2])
  redis.call('SADD', KEYS[2], ARGV[1])
  redis.call('EXPIRE', KEYS[1], ARGV[3])
  redis.call('EXPIRE', KEYS[2], ARGV[3])
  if redis.call('TTL', KEYS[3]) < tonumber(ARGV[3]) then
    redis.call('EXPIRE', KEYS[3], ARGV[3])
  end
  local f = redis.call('HMGET', KEYS[1], 'uid', 'email')
  return {1, f[1], f[2]}
end
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then
  redis.call('DEL', KEYS[1], KEYS[2])
  redis.call('SREM', KEYS[3], ARGV[4])
  return {2}
end
return {0}
`,
);

/** KEYS: session, oldHashes, userSessions. ARGV: sid, refreshHash ('' = unconditional). Returns 1 if deleted. */
export const DELETE_SESSION = script(
  'delete_session',
  3,
  `
if ARGV[2] ~= '' then
  local cur = redis.call('HGET', KEYS[1], 'rh')
  if not cur then
    return 0
  end
  if cur ~= ARGV[2] and redis.call('SISMEMBER', KEYS[2], ARGV[2]) == 0 then
    return 0
  end
end
local n = redis.call('DEL', KEYS[1])
redis.call('DEL', KEYS[2])
redis.call('SREM', KEYS[3], ARGV[1])
return n
`,
);

/** KEYS: userSessions. ARGV: sessionPrefix. Returns how many live sessions were deleted. */
export const DELETE_ALL_SESSIONS = script(
  'delete_all_sessions',
  1,
  `
local n = 0
for _, s in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  n = n + redis.call('DEL', ARGV[1] .. s)
  redis.call('DEL', ARGV[1] .. s .. ':old')
end
redis.call('DEL', KEYS[1])
return n
`,
);

/**
 * KEYS: counter. ARGV: limit, windowSeconds. Reserves one attempt unless at the limit.
 * Returns {1, 0} allowed or {0, pttl} blocked.
 */
export const CONSUME_ATTEMPT = script(
  'consume_attempt',
  1,
  `
local c = tonumber(redis.call('GET', KEYS[1]) or '0')
if c >= tonumber(ARGV[1]) then
  local pttl = redis.call('PTTL', KEYS[1])
  if pttl < 0 then
    redis.call('EXPIRE', KEYS[1], ARGV[2])
    pttl = tonumber(ARGV[2]) * 1000
  end
  return {0, pttl}
end
if redis.call('INCR', KEYS[1]) == 1 or redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[2])
end
return {1, 0}
`,
);

/** KEYS: counter. Gives back one reserved attempt. */
export const REFUND_ATTEMPT = script(
  'refund_attempt',
  1,
  `
local c = tonumber(redis.call('GET', KEYS[1]) or '0')
if c > 0 then
  redis.call('DECR', KEYS[1])
end
return 1
`,
);
