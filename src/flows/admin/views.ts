/** What an administrator sees of an account and of an audit event (API and command line). */
import type { Account, AuditEvent } from '../../persistence/directory/user-directory.js';

export interface AccountView {
  id: string;
  email: string;
  roles: string[];
  disabled: boolean;
  email_verified: boolean;
  created_at: string;
  updated_at: string;
}

export interface AuditEventView {
  id: string;
  at: string;
  type: string;
  user_id: string | null;
  actor_id: string | null;
  ip: string | null;
  user_agent: string | null;
  detail: Record<string, unknown>;
}

export const accountView = (a: Account): AccountView => ({
  id: a.id,
  email: a.email,
  roles: a.roles,
  disabled: a.disabled,
  email_verified: a.emailVerified,
  created_at: a.createdAt.toISOString(),
  updated_at: a.updatedAt.toISOString(),
});

export const auditView = (e: AuditEvent): AuditEventView => ({
  id: e.id,
  at: e.at.toISOString(),
  type: e.type,
  user_id: e.userId,
  actor_id: e.actorId,
  ip: e.ip,
  user_agent: e.userAgent,
  detail: e.detail,
});
