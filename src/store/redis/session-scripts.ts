/**
 * The Lua scripts behind every read-modify-write of the Redis session store. Each runs
 * atomically on one slot (all keys of a user share its hash tag). Times come from
 * Redis' own clock (`TIME`), so every instance agrees on them. Every operation on a
 * user's session index is O(log n) in its size, and the index is capped.
 */
import { defineScript } from '../../redis/scripts.js';

/** Milliseconds on the Redis server's clock. */
const NOW_MS = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/**
 * The user's session generation: every session carries the generation it was opened (or
 * last confirmed) under in its `g` field, and is alive only while that equals the value of
 * the user's generation key. Ending all of a user's sessions writes a new generation, so
 * it ends every session whether or not the index still lists it; losing the generation
 * key ends every session of the user (fail closed). Sessions opened before generations
 * existed have no `g` and count as alive while the user has no generation key.
 * Expects `gen` (the generation key's value or false) and extends the key to `ttl`.
 */
const ENSURE_GENERATION = `
if not gen then
  gen = ARGV[GEN_ARG]
  redis.call('SET', KEYS[GEN_KEY], gen, 'PX', ttl * 1000)
elseif redis.call('PTTL', KEYS[GEN_KEY]) < ttl * 1000 then
  redis.call('PEXPIRE', KEYS[GEN_KEY], ttl * 1000)
end
`;

const ensureGeneration = (key: number, arg: number): string =>
  ENSURE_GENERATION.replaceAll('GEN_KEY', String(key)).replaceAll('GEN_ARG', String(arg));

/**
 * KEYS: session, oldHashes, userSessions, generation.
 * ARGV: sid, uid, email, refreshHash, ttlSeconds, sessionPrefix, maxPerUser, ip, userAgent,
 * authTime (seconds), amr (space-separated), freshGeneration (used when the user has none).
 * Creates the session under the user's generation and indexes it by expiry; drops expired
 * ids from the index and, past `maxPerUser`, ends the sessions closest to expiry. When
 * the generation is new, indexed sessions without one are stamped with it. Returns how
 * many sessions it ended.
 */
export const CREATE_SESSION = defineScript(
  'create_session',
  `${NOW_MS}
local ttl = tonumber(ARGV[5])
local gen = redis.call('GET', KEYS[4])
if not gen then
  for _, s in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do
    local k = ARGV[6] .. s
    if redis.call('EXISTS', k) == 1 and not redis.call('HGET', k, 'g') then
      redis.call('HSET', k, 'g', ARGV[12])
    end
  end
end
${ensureGeneration(4, 12)}
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[1], 'uid', ARGV[2], 'email', ARGV[3], 'rh', ARGV[4], 'ca', now, 'ls', now, 'ip', ARGV[8], 'ua', ARGV[9], 'at', ARGV[10], 'amr', ARGV[11], 'g', gen)
redis.call('EXPIRE', KEYS[1], ttl)
redis.call('ZADD', KEYS[3], now + ttl * 1000, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
local ended = 0
local over = redis.call('ZCARD', KEYS[3]) - tonumber(ARGV[7])
if over > 0 then
  local victims = redis.call('ZPOPMIN', KEYS[3], over)
  for i = 1, #victims, 2 do
    ended = ended + redis.call('DEL', ARGV[6] .. victims[i])
    redis.call('DEL', ARGV[6] .. victims[i] .. ':old')
  end
end
if redis.call('PTTL', KEYS[3]) < ttl * 1000 then
  redis.call('PEXPIRE', KEYS[3], ttl * 1000)
end
return ended
`,
  4,
);

/**
 * KEYS: session, generation. The verify check, one round trip: 1 when the session exists
 * and carries the user's current generation, else 0. Read-only.
 */
export const SESSION_ALIVE = defineScript(
  'session_alive',
  `
local f = redis.call('HMGET', KEYS[1], 'uid', 'g')
if not f[1] or f[2] ~= redis.call('GET', KEYS[2]) then
  return 0
end
return 1
`,
  2,
);

/**
 * KEYS: session, oldHashes, userSessions, generation.
 * ARGV: presentedHash, nextHash, ttlSeconds, sid, graceMs, maxOldHashes, freshGeneration.
 * Returns {1, uid, email} rotated; {3, uid, email} a retry of the last rotation (the
 * presented hash was rotated into nextHash within the grace and nextHash is still
 * current); {2} reuse (session deleted); {0} invalid. A session whose generation is not
 * the user's current one was ended by a logout-all: it is deleted and answers {0}. A
 * session opened before generations existed gets one on its first rotation. A session
 * that rotated (it has `ph`) but whose history of old hashes is gone (evicted) can no
 * longer tell an old token from a foreign one: any other hash ends it as reuse.
 */
export const ROTATE_REFRESH = defineScript(
  'rotate_refresh',
  `${NOW_MS}
local f = redis.call('HMGET', KEYS[1], 'rh', 'ph', 'pt', 'uid', 'email', 'g')
if not f[1] then
  return {0}
end
local gen = redis.call('GET', KEYS[4])
if f[6] ~= gen then
  redis.call('DEL', KEYS[1], KEYS[2])
  redis.call('ZREM', KEYS[3], ARGV[4])
  return {0}
end
if f[1] == ARGV[1] then
  local ttl = tonumber(ARGV[3])
  ${ensureGeneration(4, 7)}
  redis.call('HSET', KEYS[1], 'rh', ARGV[2], 'ph', ARGV[1], 'pt', now, 'g', gen)
  redis.call('ZADD', KEYS[2], now, ARGV[1])
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[6]) + 1))
  redis.call('EXPIRE', KEYS[1], ttl)
  redis.call('EXPIRE', KEYS[2], ttl)
  redis.call('ZADD', KEYS[3], 'XX', now + ttl * 1000, ARGV[4])
  if redis.call('PTTL', KEYS[3]) < ttl * 1000 then
    redis.call('PEXPIRE', KEYS[3], ttl * 1000)
  end
  return {1, f[4], f[5]}
end
if f[2] == ARGV[1] and f[1] == ARGV[2] and now - tonumber(f[3]) <= tonumber(ARGV[5]) then
  return {3, f[4], f[5]}
end
if redis.call('ZSCORE', KEYS[2], ARGV[1]) or (f[2] and redis.call('EXISTS', KEYS[2]) == 0) then
  redis.call('DEL', KEYS[1], KEYS[2])
  redis.call('ZREM', KEYS[3], ARGV[4])
  return {2}
end
return {0}
`,
  4,
);

/** KEYS: session, oldHashes, userSessions. ARGV: sid, refreshHash ('' = unconditional). Returns 1 if deleted. */
export const DELETE_SESSION = defineScript(
  'delete_session',
  `
if ARGV[2] ~= '' then
  local f = redis.call('HMGET', KEYS[1], 'rh', 'ph')
  if not f[1] then
    return 0
  end
  -- An older hash of the family counts; so does any, once the family's history is lost.
  if f[1] ~= ARGV[2] and not redis.call('ZSCORE', KEYS[2], ARGV[2]) and not (f[2] and redis.call('EXISTS', KEYS[2]) == 0) then
    return 0
  end
end
local n = redis.call('DEL', KEYS[1])
redis.call('DEL', KEYS[2])
redis.call('ZREM', KEYS[3], ARGV[1])
return n
`,
  3,
);

/**
 * KEYS: userSessions, generation. ARGV: sessionPrefix, keepSid ('' = none), newGeneration, ttlMs.
 * Ends every session of the user but keepSid by making `newGeneration` the user's
 * generation (kept at least `ttlMs`, the longest a session can live): that ends them
 * even when the index lost them. The indexed ones are deleted too; keepSid is moved to
 * the new generation. Applying the same generation again (a replay) keeps the sessions
 * opened under it. Returns how many indexed sessions it deleted.
 */
export const DELETE_ALL_SESSIONS = defineScript(
  'delete_all_sessions',
  `
local n = 0
for _, s in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if s ~= ARGV[2] and redis.call('HGET', ARGV[1] .. s, 'g') ~= ARGV[3] then
    n = n + redis.call('DEL', ARGV[1] .. s)
    redis.call('DEL', ARGV[1] .. s .. ':old')
    redis.call('ZREM', KEYS[1], s)
  end
end
if ARGV[2] ~= '' and redis.call('EXISTS', ARGV[1] .. ARGV[2]) == 1 then
  redis.call('HSET', ARGV[1] .. ARGV[2], 'g', ARGV[3])
end
local ttl = tonumber(ARGV[4])
local left = redis.call('PTTL', KEYS[2])
if left > ttl then
  ttl = left
end
redis.call('SET', KEYS[2], ARGV[3], 'PX', ttl)
return n
`,
  2,
);

/** Lua: true when session key `k` exists under generation `gen` (false when the user has none). */
const ALIVE_UNDER_GEN = `
local function alive(k)
  local f = redis.call('HMGET', k, 'uid', 'g')
  return f[1] and f[2] == gen
end
`;

/** KEYS: userSessions, generation. ARGV: sessionPrefix. Returns the number of live sessions. */
export const COUNT_SESSIONS = defineScript(
  'count_sessions',
  `${NOW_MS}
local gen = redis.call('GET', KEYS[2])
${ALIVE_UNDER_GEN}
local n = 0
for _, s in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf')) do
  if alive(ARGV[1] .. s) then
    n = n + 1
  end
end
return n
`,
  2,
);

/**
 * KEYS: userSessions, generation. ARGV: sessionPrefix.
 * Returns a flat list {sid, createdAt, lastSeenAt, ip, ua, ...} of the live sessions, oldest first.
 */
export const LIST_SESSIONS = defineScript(
  'list_sessions',
  `${NOW_MS}
local gen = redis.call('GET', KEYS[2])
${ALIVE_UNDER_GEN}
local out = {}
for _, s in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf')) do
  local f = redis.call('HMGET', ARGV[1] .. s, 'ca', 'ls', 'ip', 'ua')
  if f[1] and alive(ARGV[1] .. s) then
    table.insert(out, s)
    table.insert(out, f[1])
    table.insert(out, f[2] or f[1])
    table.insert(out, f[3] or '')
    table.insert(out, f[4] or '')
  end
end
return out
`,
  2,
);

/** KEYS: session. ARGV: resolutionMs. Sets `ls` to now when older than the resolution; never creates. */
export const TOUCH_SESSION = defineScript(
  'touch_session',
  `${NOW_MS}
local ls = redis.call('HGET', KEYS[1], 'ls')
if ls and now - tonumber(ls) >= tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[1], 'ls', now)
  return 1
end
return 0
`,
  1,
);

/**
 * KEYS: session. ARGV: authTime (seconds), amr (space-separated).
 * Records a new proof of the password or a factor on a live session; never recreates a
 * session that is gone. Returns 1 when recorded, 0 when the session is gone.
 */
export const SET_SESSION_AUTH = defineScript(
  'set_session_auth',
  `
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
redis.call('HSET', KEYS[1], 'at', ARGV[1], 'amr', ARGV[2])
return 1
`,
  1,
);
