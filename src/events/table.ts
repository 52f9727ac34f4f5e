/**
 * The security events of tollgate: one row per event, naming where it goes.
 *
 * - `metric`: the `event` label it counts in `tollgate_auth_events_total`;
 * - `audit`: the type of the row it writes in the audit log (`audit_events`, GET /admin/audit);
 * - `tallied`: a refusal before any check (a limit's 429, a refused /admin call): counted at
 *   once, but its audit row is tallied per address and window (src/persistence/refusal-tally.ts).
 *
 * Every event is also a debug log line. `record(event, context)` (record.ts) is the only
 * way an event is written; the metric labels and audit types are part of the interface
 * (dashboards, alerts, stored rows) and never change name. Where one outcome is counted
 * under a label but audited elsewhere (or not at all), it is its own event here.
 */
export const SECURITY_EVENTS = {
  register: { metric: 'register', audit: 'register' },
  role_changed: { audit: 'role_changed' },

  login_success: { metric: 'login_success', audit: 'login_success' },
  login_failure: { metric: 'login_failure', audit: 'login_failure' },
  /** The password was right, but it changed (or the account went) while the login ran. */
  login_stale: { metric: 'login_failure' },
  login_disabled: { audit: 'login_disabled' },
  login_unverified: { metric: 'login_unverified', audit: 'login_unverified' },
  login_locked: { metric: 'login_locked', audit: 'login_locked', tallied: true },
  /** Shed by the password-hashing admission (503), before any lookup. */
  login_shed: { metric: 'login_shed' },
  request_limited: { metric: 'request_limited', audit: 'request_limited', tallied: true },

  mfa_required: { metric: 'mfa_required' },
  mfa_success: { metric: 'mfa_success' },
  mfa_failure: { metric: 'mfa_failure', audit: 'mfa_failure' },
  /** A wrong code in a reauthentication, whose row is `reauth_failure`. */
  mfa_code_rejected: { metric: 'mfa_failure' },
  mfa_locked: { metric: 'mfa_locked', audit: 'mfa_locked' },
  /** A code refused by the attempt limit, or the guess that reached it outside a login: counted only. */
  mfa_limit_reached: { metric: 'mfa_locked' },
  mfa_enabled: { metric: 'mfa_enabled', audit: 'mfa_enabled' },
  mfa_disabled: { metric: 'mfa_disabled', audit: 'mfa_disabled' },
  recovery_codes_regenerated: { audit: 'recovery_codes_regenerated' },

  refresh_rotated: { metric: 'refresh_rotated' },
  refresh_retried: { metric: 'refresh_retried' },
  refresh_reused: { metric: 'refresh_reused', audit: 'refresh_reused' },
  refresh_invalid: { metric: 'refresh_invalid' },
  logout: { metric: 'logout', audit: 'logout' },
  logout_all: { metric: 'logout_all', audit: 'logout_all' },
  /** An RFC 7009 revocation request, whatever its token. */
  revoke: { metric: 'revoke' },
  /** A revocation that ended a session (unknown tokens write no row). */
  token_revoked: { audit: 'token_revoked' },
  session_revoked: { audit: 'session_revoked' },

  reauthenticated: { metric: 'reauth_success', audit: 'reauthenticated' },
  reauth_failure: { metric: 'reauth_failure', audit: 'reauth_failure' },
  step_up_required: { metric: 'step_up_required' },

  /** A reset asked for (202 whatever the address). */
  password_reset_requested: { metric: 'password_reset_requested' },
  /** A reset link mailed to an account (off the request path). */
  password_reset_mailed: { audit: 'password_reset_requested' },
  password_reset: { metric: 'password_reset', audit: 'password_reset' },
  factors_removed: { audit: 'factors_removed' },
  password_changed: { audit: 'password_changed' },
  email_verification_sent: { metric: 'email_verification_sent', audit: 'email_verification_sent' },
  email_verified: { metric: 'email_verified', audit: 'email_verified' },
  email_change_requested: { audit: 'email_change_requested' },
  email_changed: { audit: 'email_changed' },

  passkey_added: { audit: 'passkey_added' },
  passkey_removed: { audit: 'passkey_removed' },
  passkey_counter_regression: { metric: 'passkey_counter_regression', audit: 'passkey_counter_regression' },

  account_deletion_refused: { audit: 'account_deletion_refused' },
  account_deleted: { audit: 'account_deleted' },

  admin_refused: { metric: 'admin_refused', audit: 'admin_refused', tallied: true },
  admin_read: { audit: 'admin_read' },
  account_disabled: { audit: 'account_disabled' },
  account_enabled: { audit: 'account_enabled' },
  admin_logout_all: { audit: 'admin_logout_all' },
  admin_account_deleted: { audit: 'admin_account_deleted' },
  admin_factors_read: { audit: 'admin_factors_read' },
  admin_factor_removed: { audit: 'admin_factor_removed' },
} as const satisfies Record<string, { metric?: string; audit?: string; tallied?: true }>;

export type SecurityEvent = keyof typeof SECURITY_EVENTS;

type Rows = typeof SECURITY_EVENTS;
type AuditOf<E extends SecurityEvent> = Rows[E] extends { audit: infer A extends string } ? A : never;

/** The types of audit rows: the `audit` of the table's rows. */
export type AuditEventType = { [E in SecurityEvent]: AuditOf<E> }[SecurityEvent];

/** Events that write their own audit row (and need its context). */
export type AuditedEvent = {
  [E in SecurityEvent]: Rows[E] extends { tallied: true }
    ? never
    : Rows[E] extends { audit: string }
      ? E
      : never;
}[SecurityEvent];

/** Refusals before any check: tallied. */
export type TalliedEvent = {
  [E in SecurityEvent]: Rows[E] extends { tallied: true } ? E : never;
}[SecurityEvent];

/** Every audit row type, in the order of the table. */
export const AUDIT_EVENT_TYPES: readonly AuditEventType[] = [
  ...new Set(
    Object.values(SECURITY_EVENTS as Record<string, { audit?: AuditEventType }>).flatMap((row) =>
      row.audit ? [row.audit] : [],
    ),
  ),
];
