/**
 * Administration of accounts: search and inspect them, disable/enable them (a disabled
 * account's sessions end at once, everywhere), end all their sessions, delete them.
 * The API (src/http/routes/admin.ts) and `tollgate users` call these; each change is
 * audited with its actor (actor.ts).
 *
 * `store` is absent only for the command line on the memory store, which lives inside
 * the serving process: then no session can be ended from here (`revoked` is undefined).
 */
import { NotFoundError } from '../../errors.js';
import type { FlowDeps } from '../deps.js';
import { actedOn, notSelf, targetAccount, type Actor } from './actor.js';
import { accountView, type AccountView } from './views.js';

type Changes = Pick<FlowDeps, 'directory' | 'events'> & Partial<Pick<FlowDeps, 'store'>>;

export async function searchUsers(
  deps: Pick<FlowDeps, 'directory'>,
  query: { q?: string | undefined; cursor?: string | undefined; limit: number },
): Promise<{ users: AccountView[]; next_cursor: string | null }> {
  const page = await deps.directory.searchAccounts({
    ...(query.q ? { query: query.q } : {}),
    ...(query.cursor ? { cursor: query.cursor } : {}),
    limit: query.limit,
  });
  return { users: page.items.map(accountView), next_cursor: page.nextCursor };
}

export async function getUser(
  deps: Pick<FlowDeps, 'directory' | 'store'>,
  id: string,
): Promise<AccountView & { sessions: number }> {
  const account = await targetAccount(deps, id);
  return { ...accountView(account), sessions: await deps.store.countSessions(account.id) };
}

export async function setDisabled(
  deps: Changes,
  actor: Actor,
  id: string,
  disabled: boolean,
): Promise<AccountView & { revoked: number | undefined }> {
  notSelf(actor, id, disabled ? 'disable' : 'enable');
  await targetAccount(deps, id);
  const account = await deps.directory.setDisabled(id, disabled);
  if (!account) throw new NotFoundError('No such user');
  const revoked = disabled ? await deps.store?.deleteAllSessions(id) : 0;
  await deps.events.record(
    disabled ? 'account_disabled' : 'account_enabled',
    actedOn(actor, id, disabled && revoked !== undefined ? { revoked } : {}),
  );
  return { ...accountView(account), revoked };
}

export async function logoutAllOf(
  deps: Pick<FlowDeps, 'directory' | 'events' | 'store'>,
  actor: Actor,
  id: string,
): Promise<{ revoked: number }> {
  await targetAccount(deps, id);
  const revoked = await deps.store.deleteAllSessions(id);
  await deps.events.record('admin_logout_all', actedOn(actor, id, { revoked }));
  return { revoked };
}

export async function deleteUser(
  deps: Changes,
  actor: Actor,
  id: string,
): Promise<{ email: string; revoked: number | undefined }> {
  notSelf(actor, id, 'delete');
  const account = await targetAccount(deps, id);
  await deps.directory.deleteAccount(id);
  const revoked = await deps.store?.deleteAllSessions(id);
  await deps.events.record(
    'admin_account_deleted',
    actedOn(actor, id, { email: account.email, ...(revoked !== undefined ? { revoked } : {}) }),
  );
  return { email: account.email, revoked };
}
