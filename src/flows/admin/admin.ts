/**
 * Administration: search and inspect accounts, disable/enable them (a disabled
 * account's sessions end at once, everywhere), end all their sessions, delete them, and
 * read the audit log, list and remove an account's sign-in factors (audited, and the
 * owner is mailed about a removal). Every call re-checks in the database that the caller is an
 * enabled account with the `admin` role: the role in the token is not enough.
 */
import type { AccessClaims } from '../../auth/access-token.js';
import type { AuthDeps, ClientInfo } from '../deps.js';
import { ForbiddenError, InvalidRequestError, NotFoundError } from '../../errors.js';
import type { Account, AuditEvent } from '../../persistence/directory/user-directory.js';
import {
  describeRemoved,
  listFactors,
  removeFactors,
  type FactorsView,
  type RemovedFactors,
} from '../shared/factors.js';
import { NOTICE, notifyOwner } from '../shared/notices.js';

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

const auditView = (e: AuditEvent): AuditEventView => ({
  id: e.id,
  at: e.at.toISOString(),
  type: e.type,
  user_id: e.userId,
  actor_id: e.actorId,
  ip: e.ip,
  user_agent: e.userAgent,
  detail: e.detail,
});

/** The caller's account, if it is an enabled administrator (checked in the database). */
export async function requireAdmin(deps: AuthDeps, claims: AccessClaims): Promise<Account> {
  if (!claims.roles.includes('admin')) throw new ForbiddenError();
  const account = await deps.directory.findById(claims.sub);
  if (!account || account.disabled || !account.roles.includes('admin')) throw new ForbiddenError();
  return account;
}

async function target(deps: AuthDeps, id: string): Promise<Account> {
  const account = await deps.directory.findById(id);
  if (!account) throw new NotFoundError('No such user');
  return account;
}

function notSelf(admin: Account, id: string, action: string): void {
  if (admin.id === id) {
    throw new InvalidRequestError(`An administrator cannot ${action} their own account here`);
  }
}

export class AdminOperations {
  constructor(private readonly deps: AuthDeps) {}

  async searchUsers(
    q: string | undefined,
    cursor: string | undefined,
    limit: number,
  ): Promise<{ users: AccountView[]; next_cursor: string | null }> {
    const page = await this.deps.directory.searchAccounts({
      ...(q ? { query: q } : {}),
      ...(cursor ? { cursor } : {}),
      limit,
    });
    return { users: page.items.map(accountView), next_cursor: page.nextCursor };
  }

  async getUser(id: string): Promise<AccountView & { sessions: number }> {
    const account = await target(this.deps, id);
    return { ...accountView(account), sessions: await this.deps.store.countSessions(account.id) };
  }

  async setDisabled(
    admin: Account,
    id: string,
    disabled: boolean,
    client: ClientInfo,
  ): Promise<AccountView & { revoked: number }> {
    notSelf(admin, id, disabled ? 'disable' : 'enable');
    await target(this.deps, id);
    const account = await this.deps.directory.setDisabled(id, disabled);
    if (!account) throw new NotFoundError('No such user');
    const revoked = disabled ? await this.deps.store.deleteAllSessions(id) : 0;
    await this.deps.audit(disabled ? 'account_disabled' : 'account_enabled', {
      userId: id,
      actorId: admin.id,
      ip: client.ip,
      userAgent: client.userAgent,
      detail: disabled ? { revoked } : {},
    });
    return { ...accountView(account), revoked };
  }

  async logoutAll(admin: Account, id: string, client: ClientInfo): Promise<{ revoked: number }> {
    await target(this.deps, id);
    const revoked = await this.deps.store.deleteAllSessions(id);
    await this.deps.audit('admin_logout_all', {
      userId: id,
      actorId: admin.id,
      ip: client.ip,
      userAgent: client.userAgent,
      detail: { revoked },
    });
    return { revoked };
  }

  async deleteUser(admin: Account, id: string, client: ClientInfo): Promise<void> {
    notSelf(admin, id, 'delete');
    const account = await target(this.deps, id);
    await this.deps.directory.deleteAccount(id);
    const revoked = await this.deps.store.deleteAllSessions(id);
    await this.deps.audit('admin_account_deleted', {
      userId: id,
      actorId: admin.id,
      ip: client.ip,
      userAgent: client.userAgent,
      detail: { email: account.email, revoked },
    });
  }

  async factors(admin: Account, id: string, client: ClientInfo): Promise<FactorsView> {
    const account = await target(this.deps, id);
    const view = await listFactors(this.deps, account.id);
    await this.deps.audit('admin_factors_read', {
      userId: account.id,
      actorId: admin.id,
      ip: client.ip,
      userAgent: client.userAgent,
    });
    return view;
  }

  async removeFactor(admin: Account, id: string, which: string, client: ClientInfo): Promise<RemovedFactors> {
    const account = await target(this.deps, id);
    const removed = await removeFactors(this.deps, account.id, which);
    await this.deps.audit('admin_factor_removed', {
      userId: account.id,
      actorId: admin.id,
      ip: client.ip,
      userAgent: client.userAgent,
      detail: { factor: which, passkeys_removed: removed.passkeys, totp_removed: removed.totp },
    });
    notifyOwner(this.deps, account.email, NOTICE.factorRemovedByAdmin(describeRemoved(removed)));
    return removed;
  }

  async audit(query: {
    userId?: string;
    type?: string;
    cursor?: string;
    limit: number;
  }): Promise<{ events: AuditEventView[]; next_cursor: string | null }> {
    const page = await this.deps.directory.listAudit(query);
    return { events: page.items.map(auditView), next_cursor: page.nextCursor };
  }
}
