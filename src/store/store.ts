/**
 * The Store: everything tollgate shares between workers and instances. Two
 * implementations (memory, redis) pass one contract suite (test/helpers/store-contract.ts).
 * Every method either completes or throws StoreUnavailableError (callers fail closed);
 * a reply that makes no sense is an InternalError (a bug or corrupt data, not an outage).
 */
export interface UserRecord {
  id: string;
  email: string;
  passwordHash: string;
  createdAt: number;
}

export interface NewSession {
  uid: string;
  sid: string;
  email: string;
  /** SHA-256 (hex) of the refresh token's secret. */
  refreshHash: string;
  /** Lifetime of the session (and its refresh token), in seconds. */
  ttlSeconds: number;
}

export interface SessionInfo {
  uid: string;
  sid: string;
  email: string;
}

export type RotateResult =
  | { status: 'rotated'; session: SessionInfo }
  /** The presented token was an older one of this family: the session is now deleted. */
  | { status: 'reused' }
  /** No such session (expired, logged out) or the hash is unknown to it. */
  | { status: 'invalid' };

export interface RateLimitRule {
  /** Full store key of the counter. */
  key: string;
  limit: number;
  windowSeconds: number;
}

export type RateLimitDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface Store {
  readonly kind: 'memory' | 'redis';

  /** Creates a user; returns false when the (normalised) email is taken. */
  createUser(user: UserRecord): Promise<boolean>;
  findUserByEmail(email: string): Promise<UserRecord | null>;

  createSession(session: NewSession): Promise<void>;
  /** True when the session exists (not expired, not logged out). */
  isSessionAlive(uid: string, sid: string): Promise<boolean>;
  /**
   * Atomically: if `presentedHash` is the session's current refresh hash, replace it
   * with `nextHash`, remember the old one and renew the TTL; if it is an older hash of
   * this session, delete the session (reuse => the family is revoked).
   */
  rotateRefresh(
    uid: string,
    sid: string,
    presentedHash: string,
    nextHash: string,
    ttlSeconds: number,
  ): Promise<RotateResult>;
  /** Deletes one session (by its refresh hash check when given). Returns true if it existed. */
  deleteSession(uid: string, sid: string): Promise<boolean>;
  /** Deletes the session only if `refreshHash` belongs to it (current or older). */
  deleteSessionByRefresh(uid: string, sid: string, refreshHash: string): Promise<boolean>;
  /** Deletes every session of a user; returns how many were alive. */
  deleteAllSessions(uid: string): Promise<number>;

  /**
   * Reserves one attempt on every rule, atomically per rule. If any rule is at its
   * limit nothing is reserved and the longest wait is returned.
   */
  consumeAttempt(rules: readonly RateLimitRule[]): Promise<RateLimitDecision>;
  /** Gives back one reserved attempt (a login that succeeded). */
  refundAttempt(rule: RateLimitRule): Promise<void>;
  /** Clears a counter (e.g. account+IP after a successful login). */
  resetAttempts(rule: RateLimitRule): Promise<void>;

  /** Cheap round trip for readiness. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
