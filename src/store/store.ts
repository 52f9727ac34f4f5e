/**
 * The store: the hot, expiring state tollgate shares between workers and instances,
 * by purpose (docs/architecture.md, "Stores"):
 *
 * - the session store (`sessions.ts`): sessions, refresh-token families, each user's
 *   session index and generation;
 * - limit counters (`limits.ts`): login failures, request limits;
 * - single-use values (`single-use.ts`): MFA step tickets, WebAuthn challenges.
 *
 * Accounts are not here: they live in the accounts database (src/persistence/directory/),
 * so losing Redis never loses an account. An engine (`memory/`, `redis/`) implements each
 * purpose in its own file and answers `health()`; `CombinedStore` makes the one object
 * callers hold. Both engines pass one contract suite (test/helpers/store-contract.ts).
 */
import type { StoreHealth } from './health.js';
import type { LimitCounters } from './limits.js';
import type { SessionStore } from './sessions.js';
import type { SingleUseValues } from './single-use.js';

export type { InProcessHealth, RedisStateReport, SharedHealth, StoreHealth } from './health.js';
export type { LimitCounters, RateLimitDecision, RateLimitRule } from './limits.js';
export type {
  NewSession,
  RotateRequest,
  RotateResult,
  SessionAuth,
  SessionInfo,
  SessionRecord,
  SessionStore,
} from './sessions.js';
export { LAST_SEEN_RESOLUTION_MS } from './sessions.js';
export type { SingleUseValues } from './single-use.js';

/** What an engine answers for itself, whatever the purpose. */
export interface StoreEngine {
  /** What /health and /health/redis show of the store. */
  health(): Promise<StoreHealth>;
  /** Cheap round trip for readiness. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** One engine's implementation of each purpose. */
export interface StoreParts {
  readonly sessions: SessionStore;
  readonly limits: LimitCounters;
  readonly once: SingleUseValues;
}

/** The one object callers hold: every purpose, and the engine's own operations. */
export type Store = SessionStore & LimitCounters & SingleUseValues & StoreEngine;
