/**
 * Ending a session so that Redis's own failures cannot undo it (docs/sessions.md).
 * `RecordedStore` wraps the Redis store and replaces only its session store
 * (`RecordedSessions`): every end of a session (logout, logout-all, revocation, refresh
 * reuse, password change or reset, disable, delete) is applied in Redis and then
 * recorded in the revocation log (SQL); the call completes only when both did, so an
 * acknowledged end is durable. When Redis may have lost writes (a restart from
 * RDB or AOF, a failover), `replayRevocations` applies the log again: every write it makes
 * is idempotent and ends only sessions that were ended. Verifies and refreshes wait
 * (bounded) while the store is not confirmed (`gate`).
 */
import { randomUUID } from 'node:crypto';
import { CombinedStore } from './combined-store.js';
import type { StoreHealth } from './health.js';
import type {
  NewSession,
  RotateRequest,
  RotateResult,
  SessionAuth,
  SessionRecord,
  SessionStore,
} from './sessions.js';
import { newGeneration } from './sessions.js';

/** One acknowledged end: one session (`sessionId`), or all of a user's but `keepSessionId`. */
export interface Revocation {
  /** Unique; for an end of all sessions it is the generation written into Redis. */
  id: string;
  userId: string;
  sessionId: string | null;
  keepSessionId: string | null;
}

export interface RevocationLog {
  /** Records durably; kept `keepSeconds` (the longest a session can live). Idempotent by id. */
  record(revocation: Revocation, keepSeconds: number): Promise<void>;
  /** What a replay must apply, in pages. */
  pending(): AsyncIterable<Revocation[]>;
  /** Deletes rows past their keep time; returns how many. */
  prune(): Promise<number>;
}

/** Undefined when the store's data is confirmed; else a promise that settles when it is (or fails). */
export type StoreGate = () => Promise<void> | undefined;

/** The session store whose ends of sessions are recorded; everything else passes through. */
export class RecordedSessions implements SessionStore {
  constructor(
    private readonly inner: SessionStore,
    private readonly log: RevocationLog,
    /** The longest a session can live (refresh-token lifetime) plus a margin. */
    private readonly keepSeconds: number,
    private readonly gate: StoreGate = () => undefined,
  ) {}

  private async record(
    userId: string,
    sessionId: string | null,
    keep: string | null,
    id: string = randomUUID(),
  ): Promise<void> {
    await this.log.record({ id, userId, sessionId, keepSessionId: keep }, this.keepSeconds);
  }

  async isSessionAlive(uid: string, sid: string): Promise<boolean> {
    const waiting = this.gate();
    if (waiting) await waiting;
    return this.inner.isSessionAlive(uid, sid);
  }

  async rotateRefresh(request: RotateRequest): Promise<RotateResult> {
    const waiting = this.gate();
    if (waiting) await waiting;
    const result = await this.inner.rotateRefresh(request);
    if (result.status === 'reused') await this.record(request.uid, request.sid, null);
    return result;
  }

  async deleteSession(uid: string, sid: string): Promise<boolean> {
    const deleted = await this.inner.deleteSession(uid, sid);
    await this.record(uid, sid, null);
    return deleted;
  }

  async deleteSessionByRefresh(uid: string, sid: string, refreshHash: string): Promise<boolean> {
    const deleted = await this.inner.deleteSessionByRefresh(uid, sid, refreshHash);
    if (deleted) await this.record(uid, sid, null);
    return deleted;
  }

  deleteAllSessions(uid: string): Promise<number> {
    return this.deleteOtherSessions(uid, '');
  }

  async deleteOtherSessions(uid: string, keepSid: string): Promise<number> {
    const generation = newGeneration();
    const n = await this.inner.deleteOtherSessions(uid, keepSid, generation);
    await this.record(uid, null, keepSid === '' ? null : keepSid, generation);
    return n;
  }

  createSession(session: NewSession): Promise<void> {
    return this.inner.createSession(session);
  }
  countSessions(uid: string): Promise<number> {
    return this.inner.countSessions(uid);
  }
  listSessions(uid: string): Promise<SessionRecord[]> {
    return this.inner.listSessions(uid);
  }
  touchSession(uid: string, sid: string): Promise<void> {
    return this.inner.touchSession(uid, sid);
  }
  sessionAuth(uid: string, sid: string): Promise<SessionAuth | null> {
    return this.inner.sessionAuth(uid, sid);
  }
  setSessionAuth(uid: string, sid: string, auth: SessionAuth): Promise<boolean> {
    return this.inner.setSessionAuth(uid, sid, auth);
  }
}

/** A store whose session ends are recorded: limit counters and single-use values are the inner store's own. */
export class RecordedStore extends CombinedStore {
  constructor(
    private readonly inner: CombinedStore,
    log: RevocationLog,
    /** The longest a session can live (refresh-token lifetime) plus a margin. */
    keepSeconds: number,
    gate?: StoreGate,
  ) {
    super({ ...inner.parts, sessions: new RecordedSessions(inner.parts.sessions, log, keepSeconds, gate) });
  }

  override health(): Promise<StoreHealth> {
    return this.inner.health();
  }
  override ping(): Promise<void> {
    return this.inner.ping();
  }
  override close(): Promise<void> {
    return this.inner.close();
  }
}

/** How many store writes a replay keeps in flight. */
const REPLAY_CONCURRENCY = 32;

/** What a replay writes through: the unrecorded Redis sessions. */
export type ReplayTarget = Pick<SessionStore, 'deleteSession' | 'deleteOtherSessions'>;

/**
 * Applies every pending revocation to `store` (the unrecorded Redis sessions): the latest
 * end-of-all of each user (its generation, so sessions opened after it stay), then every
 * single-session end. Idempotent. Returns how many it applied.
 */
export async function replayRevocations(store: ReplayTarget, log: RevocationLog): Promise<number> {
  let applied = 0;
  for await (const page of log.pending()) {
    for (let i = 0; i < page.length; i += REPLAY_CONCURRENCY) {
      await Promise.all(
        page
          .slice(i, i + REPLAY_CONCURRENCY)
          .map((r) =>
            r.sessionId === null
              ? store.deleteOtherSessions(r.userId, r.keepSessionId ?? '', r.id)
              : store.deleteSession(r.userId, r.sessionId),
          ),
      );
    }
    applied += page.length;
  }
  return applied;
}
