/**
 * The audit trail: the rows of security events (src/events/), written to the accounts
 * database's `audit_events` (served by GET /admin/audit). Writing a row
 * never fails the request it belongs to: if the database cannot take it, the event is
 * logged at error level (without secrets) and counted as lost.
 */
import type { AuditEventType } from '../events/table.js';
import type { UserDirectory } from './directory/user-directory.js';

// The row types are the `audit` column of the one table of security events.
export { AUDIT_EVENT_TYPES, type AuditEventType } from '../events/table.js';

export interface AuditContext {
  /** The account concerned (null for a failed login of an unknown email). */
  userId: string | null;
  /** The administrator who acted, when not the user. */
  actorId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  detail?: Record<string, unknown>;
}

export interface AuditSink {
  (type: AuditEventType, context: AuditContext): Promise<void>;
}

export interface AuditTrailHooks {
  onRecorded?: (type: AuditEventType) => void;
  onLost?: (type: AuditEventType, err: unknown) => void;
}

export function auditTrail(directory: UserDirectory, hooks: AuditTrailHooks = {}): AuditSink {
  return async (type, context) => {
    try {
      await directory.appendAudit({
        type,
        userId: context.userId,
        actorId: context.actorId ?? null,
        ip: context.ip ?? null,
        userAgent: context.userAgent?.slice(0, 256) ?? null,
        detail: context.detail ?? {},
      });
      hooks.onRecorded?.(type);
    } catch (err) {
      hooks.onLost?.(type, err);
    }
  };
}
