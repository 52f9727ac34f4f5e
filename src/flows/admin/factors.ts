/**
 * An administrator lists and removes an account's sign-in factors (audited; the owner is
 * mailed about a removal when the server sends mail). The API and `tollgate users
 * factors` call these.
 */
import {
  describeRemoved,
  listFactors,
  removeFactors,
  type FactorsView,
  type RemovedFactors,
} from '../shared/factors.js';
import { NOTICE, notifyOwner } from '../shared/notices.js';
import type { FlowDeps } from '../deps.js';
import { actedOn, targetAccount, type Actor } from './actor.js';

type FactorDeps = Pick<FlowDeps, 'directory' | 'events' | 'passkeys' | 'totp'>;

export async function factorsOf(deps: FactorDeps, actor: Actor, id: string): Promise<FactorsView> {
  const account = await targetAccount(deps, id);
  const view = await listFactors(deps, account.id);
  await deps.events.record('admin_factors_read', actedOn(actor, account.id));
  return view;
}

export async function removeFactor(
  deps: FactorDeps & Pick<FlowDeps, 'mailer'>,
  actor: Actor,
  id: string,
  which: string,
): Promise<RemovedFactors> {
  const account = await targetAccount(deps, id);
  const removed = await removeFactors(deps, account.id, which);
  await deps.events.record(
    'admin_factor_removed',
    actedOn(actor, account.id, {
      factor: which,
      passkeys_removed: removed.passkeys,
      totp_removed: removed.totp,
    }),
  );
  notifyOwner(deps, account.email, NOTICE.factorRemovedByAdmin(describeRemoved(removed)));
  return removed;
}
