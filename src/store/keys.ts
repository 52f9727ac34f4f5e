/**
 * Every Redis key tollgate uses is built here. All keys start with `tg:`; everything
 * of one user shares the hash tag `{<uid>}` so it lives in one Cluster slot and one
 * Lua script can touch it atomically. The session key is a published contract: the
 * verifier package (`@tollgate/verify`, redis mode) checks it with `EXISTS`.
 */
export const KEY_PREFIX = 'tg:';

export const keys = {
  /**
   * Where accounts were kept before they moved to the accounts database (read only by
   * `tollgate db import-redis-users`).
   */
  legacyUser: (email: string) => `${KEY_PREFIX}user:${email}`,
  /**
   * Session hash: uid, email, rh (current refresh hash), ph/pt (previous hash, rotated at), ca,
   * ls (last seen), ip, ua, at (auth_time, seconds) and amr (space-separated RFC 8176 methods).
   */
  session: (uid: string, sid: string) => `${KEY_PREFIX}sess:{${uid}}:${sid}`,
  /** Prefix of a user's session keys (scripts append the sid). */
  sessionPrefix: (uid: string) => `${KEY_PREFIX}sess:{${uid}}:`,
  /** Sorted set of refresh hashes this session rotated away from, by rotation time (reuse detection). */
  sessionOldHashes: (uid: string, sid: string) => `${KEY_PREFIX}sess:{${uid}}:${sid}:old`,
  /** Sorted set of a user's session ids, scored by expiry (ms). */
  userSessions: (uid: string) => `${KEY_PREFIX}usess:{${uid}}`,
  /**
   * The user's session generation: a session is alive only while its `g` field equals
   * this value (ending all sessions writes a new one). See docs/sessions.md.
   */
  userGeneration: (uid: string) => `${KEY_PREFIX}ugen:{${uid}}`,
  /**
   * The run id of the Redis server whose data tollgate last confirmed holds every
   * recorded session end; a different run id (restart, failover) or none (data lost)
   * makes tollgate replay the revocation log.
   */
  epoch: `${KEY_PREFIX}epoch`,
  /** Login failure counters. */
  attemptsAccountIp: (email: string, ip: string) => `${KEY_PREFIX}rl:aip:${email}|${ip}`,
  attemptsIp: (ip: string) => `${KEY_PREFIX}rl:ip:${ip}`,
  /** Wrong TOTP / recovery codes of one user (every worker counts into one). */
  attemptsMfa: (uid: string) => `${KEY_PREFIX}rl:mfa:{${uid}}`,
  /** Requests of a mailed link (`kind`), per subject (an email, an address, a user id). */
  mailRequests: (kind: string, subject: string) => `${KEY_PREFIX}rl:mail:${kind}:${subject}`,
  /** Requests of an unauthenticated route that stores state (`kind`), per subject (an address, or `all`). */
  requests: (kind: string, subject: string) => `${KEY_PREFIX}rl:req:${kind}:${subject}`,
  /** A single-use value (SingleUseValues.putOnce/takeOnce): `kind` names the feature, `id` is random. */
  oneTime: (kind: string, id: string) => `${KEY_PREFIX}once:${kind}:${id}`,
} as const;

/** How many rotated-away refresh hashes a session remembers for reuse detection. */
export const MAX_OLD_REFRESH_HASHES = 256;
