/**
 * The one writer of security events (table.ts): `record(event, context)` counts its
 * metric, logs it at debug level, and writes its audit row (or, for a refusal before any
 * check, tallies it into one row per address and window). Recording never fails the
 * request it belongs to: the audit trail logs and counts a row it could not write.
 */
import type { AuditContext, AuditSink } from '../persistence/audit.js';
import { RefusalTally, type Refusal } from '../persistence/refusal-tally.js';
import { SECURITY_EVENTS, type AuditedEvent, type SecurityEvent, type TalliedEvent } from './table.js';

/** What an event is recorded with: a refusal's address, an audit row's context, or nothing. */
export type EventContext<E extends SecurityEvent> = E extends TalliedEvent
  ? [refusal: Refusal]
  : E extends AuditedEvent
    ? [context: AuditContext]
    : [];

export interface SecurityEvents {
  record<E extends SecurityEvent>(event: E, ...context: EventContext<E>): Promise<void>;
  /** Writes the tallied refusals and stops the tally's timer. */
  close(): Promise<void>;
}

/** The debug log line of an event (never given secrets). */
export type EventLog = (fields: Record<string, unknown>, message: string) => void;

export interface SecurityEventsOptions {
  audit: AuditSink;
  /** Refusals are written as one audit row per address per this many seconds (AUDIT_REFUSAL_WINDOW). */
  refusalWindowSeconds: number;
  /** Counts a metric label (`tollgate_auth_events_total{event}`); none on the command line. */
  count?: (label: string) => void;
  log?: EventLog;
}

type Row = { metric?: string; audit?: Parameters<AuditSink>[0]; tallied?: true };
const done = Promise.resolve();

export function securityEvents(options: SecurityEventsOptions): SecurityEvents {
  const { audit, count, log } = options;
  const refusals = new RefusalTally(audit, { windowSeconds: options.refusalWindowSeconds });
  return {
    record(event, ...context) {
      const row: Row = SECURITY_EVENTS[event];
      if (row.metric) count?.(row.metric);
      const given = (context as unknown[])[0] as (AuditContext & Partial<Refusal>) | undefined;
      log?.({ event, ...(given?.userId ? { user_id: given.userId } : {}) }, 'security event');
      if (!row.audit || !given) return done;
      if (row.tallied) {
        refusals.note(row.audit, given as Refusal);
        return done;
      }
      return audit(row.audit, given);
    },
    close: () => refusals.close(),
  };
}
