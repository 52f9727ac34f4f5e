/**
 * Every Redis key tollgate uses is built here. All keys start with `tg:`; everything
 * of one user shares the hash tag `{<uid>}` so it lives in one Cluster slot and one
 * Lua script can touch it atomically.
 */
export const KEY_PREFIX = 'tg:';

export const keys = {
  /** User record (JSON), by normalised email. */
  user: (email: string) => `${KEY_PREFIX}user:${email}`,
  /** Session hash: uid, email, rh (current refresh hash), ca (created at). */
  session: (uid: string, sid: string) => `${KEY_PREFIX}sess:{${uid}}:${sid}`,
  /** Prefix of a user's session keys (scripts append the sid). */
  sessionPrefix: (uid: string) => `${KEY_PREFIX}sess:{${uid}}:`,
  /** Set of refresh hashes this session has already rotated away from (reuse detection). */
  sessionOldHashes: (uid: string, sid: string) => `${KEY_PREFIX}sess:{${uid}}:${sid}:old`,
  /** Set of a user's session ids (for logout-all). */
  userSessions: (uid: string) => `${KEY_PREFIX}usess:{${uid}}`,
  /** Login failure counters. */
  attemptsAccountIp: (email: string, ip: string) => `${KEY_PREFIX}rl:aip:${email}|${ip}`,
  attemptsIp: (ip: string) => `${KEY_PREFIX}rl:ip:${ip}`,
} as const;
