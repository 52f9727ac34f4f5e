/**
 * The audit trail: every security event, written to the accounts database's
 * `audit_events` (served by GET /admin/audit) and counted in /metrics. Writing an event
 * never fails the request it belongs to: if the database cannot take it, the event is
 * logged at error level (without secrets) and counted as lost.
 */
import type { UserDirectory } from './directory/user-directory.js';

export const AUDIT_EVENT_TYPES = [
  'register',
  'login_success',
  'login_failure',
  'login_locked',
  'request_limited',
  'admin_refused',
  'admin_read',
  'logout',
  'token_revoked',
  'account_deletion_refused',
  'login_disabled',
  'refresh_reused',
  'logout_all',
  'session_revoked',
  'password_changed',
  'account_deleted',
  'account_disabled',
  'account_enabled',
  'admin_logout_all',
  'admin_account_deleted',
  'role_changed',
  'login_unverified',
  'mfa_failure',
  'mfa_locked',
  'mfa_enabled',
  'mfa_disabled',
  'password_reset_requested',
  'password_reset',
  'email_verification_sent',
  'email_verified',
  'passkey_added',
  'passkey_removed',
  'passkey_counter_regression',
  'reauthenticated',
  'reauth_failure',
  'recovery_codes_regenerated',
  'email_change_requested',
  'email_changed',
  'factors_removed',
  'admin_factors_read',
  'admin_factor_removed',
] as const;
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

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
