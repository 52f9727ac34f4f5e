/**
 * The sign-in factors of an account as an administrator sees and removes them (the admin
 * API and `tollgate users factors`): its passkeys and its TOTP with the recovery codes
 * left. Removing takes `totp`, `passkeys` (all of them), `all`, or one passkey's id. An
 * administrator may remove the last passkey of an account without a password: the
 * owner gets back in with a password reset.
 */
import { NotFoundError } from '../../errors.js';
import type { TotpFactors } from '../../persistence/totp-factors.js';
import type { PasskeyStore } from '../../persistence/passkey-store.js';
import { passkeyView, type PasskeyView } from './passkey-views.js';

export interface FactorStores {
  passkeys: PasskeyStore;
  totp: TotpFactors;
}

export interface FactorsView {
  passkeys: PasskeyView[];
  /** null when TOTP is off (a setup not yet enabled shows as `enabled: false`). */
  totp: { enabled: boolean; enabled_at: string | null; recovery_codes_left: number } | null;
}

export async function listFactors(stores: FactorStores, userId: string): Promise<FactorsView> {
  const [passkeys, factor] = await Promise.all([
    stores.passkeys.listByUser(userId),
    stores.totp.find(userId),
  ]);
  return {
    passkeys: passkeys.map(passkeyView),
    totp: factor
      ? {
          enabled: factor.enabledAt !== null,
          enabled_at: factor.enabledAt?.toISOString() ?? null,
          recovery_codes_left: (await stores.totp.unusedRecoveryCodes(userId)).length,
        }
      : null,
  };
}

export interface RemovedFactors {
  passkeys: number;
  totp: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What `which` names, in words for the owner's notice. */
export function describeRemoved(removed: RemovedFactors): string {
  const parts = [
    removed.passkeys > 0 ? `${removed.passkeys} passkey(s)` : '',
    removed.totp ? 'two-factor login (TOTP) and its recovery codes' : '',
  ].filter((p) => p !== '');
  return parts.join(' and ');
}

/** Removes `which` (totp, passkeys, all, or a passkey id); 404 when there was nothing to remove. */
export async function removeFactors(
  stores: FactorStores,
  userId: string,
  which: string,
): Promise<RemovedFactors> {
  let removed: RemovedFactors;
  if (which === 'totp') {
    removed = { passkeys: 0, totp: await stores.totp.remove(userId) };
  } else if (which === 'passkeys') {
    removed = { passkeys: await stores.passkeys.removeAll(userId), totp: false };
  } else if (which === 'all') {
    removed = { passkeys: await stores.passkeys.removeAll(userId), totp: await stores.totp.remove(userId) };
  } else if (UUID.test(which)) {
    const mine = (await stores.passkeys.listByUser(userId)).some((p) => p.id === which);
    removed = { passkeys: mine && (await removeOnePasskey(stores, userId, which)) ? 1 : 0, totp: false };
  } else {
    throw new NotFoundError('No such factor: use totp, passkeys, all or the id of a passkey');
  }
  if (removed.passkeys === 0 && !removed.totp) throw new NotFoundError('The account has no such factor');
  return removed;
}

async function removeOnePasskey(stores: FactorStores, userId: string, id: string): Promise<boolean> {
  const outcome = await stores.passkeys.remove(userId, id);
  if (outcome === 'removed') return true;
  if (outcome === 'not_found') return false;
  // The last way to sign in of an account without a password: an administrator may still.
  const all = await stores.passkeys.listByUser(userId);
  if (all.length !== 1 || all[0]!.id !== id) return false;
  return (await stores.passkeys.removeAll(userId)) === 1;
}
