/**
 * The session store: sessions with their refresh-token families, each user's session
 * index, and the per-user generation that ends all of a user's sessions at once
 * (docs/sessions.md). Every method either completes or throws StoreUnavailableError
 * (callers fail closed); a reply that makes no sense is an InternalError (a bug or
 * corrupt data, not an outage).
 */
import { randomBytes } from 'node:crypto';

export interface NewSession {
  uid: string;
  sid: string;
  email: string;
  /** SHA-256 (hex) of the refresh token. */
  refreshHash: string;
  /** Lifetime of the session (and its refresh token), in seconds. */
  ttlSeconds: number;
  /**
   * At most this many live sessions per user: creating one more ends the one closest
   * to expiry (the least recently refreshed).
   */
  maxPerUser: number;
  /** The client's address and User-Agent when the session opened (shown to its owner). */
  ip: string;
  userAgent: string;
  /** How the session was opened: when and with what the person proved who they are. */
  auth: SessionAuth;
}

/**
 * The last proof of identity a session holds (OpenID Connect `auth_time` and RFC 8176
 * `amr`): set when it opens and again by each re-authentication. Access tokens carry it.
 */
export interface SessionAuth {
  /** Seconds since the epoch; 0 for a session opened before this was recorded. */
  authTime: number;
  /** RFC 8176 method references: pwd, otp, hwk, swk, user, mfa. */
  amr: readonly string[];
}

/** What the owner of a session sees of it. */
export interface SessionRecord {
  sid: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
  /** When it was last used, to within a minute. */
  lastSeenAt: number;
  ip: string;
  userAgent: string;
}

/** A session's `lastSeenAt` is written at most this often. */
export const LAST_SEEN_RESOLUTION_MS = 60_000;

export interface SessionInfo {
  uid: string;
  sid: string;
  email: string;
}

export interface RotateRequest {
  uid: string;
  sid: string;
  /** SHA-256 of the refresh token presented. */
  presentedHash: string;
  /** SHA-256 of its successor (derived deterministically from the presented token). */
  nextHash: string;
  ttlSeconds: number;
  /**
   * How long after a rotation the same presented token counts as a retry of that
   * rotation (the same successor is handed out again) rather than as reuse.
   */
  retryGraceMs: number;
}

export type RotateResult =
  /** The presented token was current: the session now expects `nextHash`. */
  | { status: 'rotated'; session: SessionInfo }
  /** The presented token was rotated moments ago into `nextHash`, still unused: a retry. */
  | { status: 'retried'; session: SessionInfo }
  /** The presented token was an older one of this family: the session is now deleted. */
  | { status: 'reused' }
  /** No such session (expired, logged out) or the hash is unknown to it. */
  | { status: 'invalid' };

export interface SessionStore {
  /** Creates a session and indexes it under its user (O(log n) in the user's sessions). */
  createSession(session: NewSession): Promise<void>;
  /** True when the session exists (not expired, not logged out). */
  isSessionAlive(uid: string, sid: string): Promise<boolean>;
  /**
   * Atomically: rotate when the presented hash is current; answer `retried` when it
   * was rotated into `nextHash` within the grace and `nextHash` is still current;
   * delete the session when it is an older hash of the family (reuse).
   */
  rotateRefresh(request: RotateRequest): Promise<RotateResult>;
  /** Deletes one session. Returns true if it existed. */
  deleteSession(uid: string, sid: string): Promise<boolean>;
  /** Deletes the session only if `refreshHash` belongs to it (current or older). */
  deleteSessionByRefresh(uid: string, sid: string, refreshHash: string): Promise<boolean>;
  /**
   * Ends every session of a user, including any the user's session index no longer
   * lists; returns how many it deleted. `generation` names this ending (random when
   * absent): ending with the same generation again is a no-op for sessions opened since
   * (how a recorded ending is replayed, docs/sessions.md).
   */
  deleteAllSessions(uid: string, generation?: string): Promise<number>;
  /** Ends every session of a user but `keepSid` (as deleteAllSessions); returns how many it deleted. */
  deleteOtherSessions(uid: string, keepSid: string, generation?: string): Promise<number>;
  /** How many live sessions the user has (bounded by `maxPerUser`). */
  countSessions(uid: string): Promise<number>;
  /** The user's live sessions, oldest first. */
  listSessions(uid: string): Promise<SessionRecord[]>;
  /**
   * Records that the session was used now, unless that was recorded less than
   * LAST_SEEN_RESOLUTION_MS ago. Never recreates a session that is gone.
   */
  touchSession(uid: string, sid: string): Promise<void>;
  /** The session's last proof of identity; null when the session is gone. */
  sessionAuth(uid: string, sid: string): Promise<SessionAuth | null>;
  /**
   * Records a re-authentication on a live session (never recreates one that is gone).
   * Returns false when the session is gone.
   */
  setSessionAuth(uid: string, sid: string, auth: SessionAuth): Promise<boolean>;
}

/** A new session generation: random, so no earlier one can come back (docs/sessions.md). */
export function newGeneration(): string {
  return randomBytes(12).toString('base64url');
}
