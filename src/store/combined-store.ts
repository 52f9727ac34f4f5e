/**
 * The one object callers hold (`Store`): each method goes to the part of its purpose.
 * An engine extends it with its parts and its own `health`, `ping` and `close`; a
 * wrapper (RecordedStore) replaces one part and keeps the others.
 */
import type { StoreHealth } from './health.js';
import type { RateLimitDecision, RateLimitRule } from './limits.js';
import type { NewSession, RotateRequest, RotateResult, SessionAuth, SessionRecord } from './sessions.js';
import type { Store, StoreParts } from './store.js';

export abstract class CombinedStore<P extends StoreParts = StoreParts> implements Store {
  constructor(readonly parts: P) {}

  abstract health(): Promise<StoreHealth>;
  abstract ping(): Promise<void>;
  abstract close(): Promise<void>;

  createSession(session: NewSession): Promise<void> {
    return this.parts.sessions.createSession(session);
  }
  isSessionAlive(uid: string, sid: string): Promise<boolean> {
    return this.parts.sessions.isSessionAlive(uid, sid);
  }
  rotateRefresh(request: RotateRequest): Promise<RotateResult> {
    return this.parts.sessions.rotateRefresh(request);
  }
  deleteSession(uid: string, sid: string): Promise<boolean> {
    return this.parts.sessions.deleteSession(uid, sid);
  }
  deleteSessionByRefresh(uid: string, sid: string, refreshHash: string): Promise<boolean> {
    return this.parts.sessions.deleteSessionByRefresh(uid, sid, refreshHash);
  }
  deleteAllSessions(uid: string, generation?: string): Promise<number> {
    return this.parts.sessions.deleteAllSessions(uid, generation);
  }
  deleteOtherSessions(uid: string, keepSid: string, generation?: string): Promise<number> {
    return this.parts.sessions.deleteOtherSessions(uid, keepSid, generation);
  }
  countSessions(uid: string): Promise<number> {
    return this.parts.sessions.countSessions(uid);
  }
  listSessions(uid: string): Promise<SessionRecord[]> {
    return this.parts.sessions.listSessions(uid);
  }
  touchSession(uid: string, sid: string): Promise<void> {
    return this.parts.sessions.touchSession(uid, sid);
  }
  sessionAuth(uid: string, sid: string): Promise<SessionAuth | null> {
    return this.parts.sessions.sessionAuth(uid, sid);
  }
  setSessionAuth(uid: string, sid: string, auth: SessionAuth): Promise<boolean> {
    return this.parts.sessions.setSessionAuth(uid, sid, auth);
  }

  checkLoginLimits(rules: readonly RateLimitRule[]): Promise<RateLimitDecision> {
    return this.parts.limits.checkLoginLimits(rules);
  }
  recordLoginFailure(rules: readonly RateLimitRule[]): Promise<RateLimitDecision> {
    return this.parts.limits.recordLoginFailure(rules);
  }
  recordLoginSuccess(rules: readonly RateLimitRule[], reset: RateLimitRule): Promise<RateLimitDecision> {
    return this.parts.limits.recordLoginSuccess(rules, reset);
  }

  putOnce(key: string, value: string, ttlSeconds: number): Promise<void> {
    return this.parts.once.putOnce(key, value, ttlSeconds);
  }
  takeOnce(key: string): Promise<string | null> {
    return this.parts.once.takeOnce(key);
  }
}
