/**
 * Who administers: an enabled account with the `admin` role, re-checked in the database
 * on every call (the role in the token is not enough), or the command line
 * (`tollgate users`, whoever can read the server's configuration). Every change is
 * audited with its actor.
 */
import type { AccessClaims } from '../../auth/access-token.js';
import { ForbiddenError, InvalidRequestError, NotFoundError } from '../../errors.js';
import type { AuditContext } from '../../persistence/audit.js';
import type { Account } from '../../persistence/directory/user-directory.js';
import type { ClientInfo, FlowDeps } from '../deps.js';

export interface Actor {
  /** The administrator's account id; null for the command line. */
  id: string | null;
  ip: string | null;
  userAgent: string | null;
  /** Written into the detail of every audit row of the actor (the command line: `via`). */
  detail?: Record<string, unknown>;
}

/** An administrator calling the API, from where. */
export const adminActor = (admin: Account, client: ClientInfo): Actor => ({
  id: admin.id,
  ip: client.ip,
  userAgent: client.userAgent,
});

/** `tollgate users ...`. */
export const CLI_ACTOR: Actor = Object.freeze({
  id: null,
  ip: null,
  userAgent: null,
  detail: { via: 'cli' },
});

/** The audit context of an actor's change to `userId`. */
export function actedOn(actor: Actor, userId: string, detail: Record<string, unknown> = {}): AuditContext {
  return {
    userId,
    actorId: actor.id,
    ip: actor.ip,
    userAgent: actor.userAgent,
    detail: { ...actor.detail, ...detail },
  };
}

/** The caller's account, if it is an enabled administrator (checked in the database). */
export async function requireAdmin(
  deps: Pick<FlowDeps, 'directory'>,
  claims: AccessClaims,
): Promise<Account> {
  if (!claims.roles.includes('admin')) throw new ForbiddenError();
  const account = await deps.directory.findById(claims.sub);
  if (!account || account.disabled || !account.roles.includes('admin')) throw new ForbiddenError();
  return account;
}

/** The account an administrator acts on: 404 when there is none. */
export async function targetAccount(deps: Pick<FlowDeps, 'directory'>, id: string): Promise<Account> {
  const account = await deps.directory.findById(id);
  if (!account) throw new NotFoundError('No such user');
  return account;
}

/** An administrator does not disable or delete their own account through the API. */
export function notSelf(actor: Actor, id: string, action: string): void {
  if (actor.id === id) {
    throw new InvalidRequestError(`An administrator cannot ${action} their own account here`);
  }
}
