/**
 * Step-up for credential changes. Adding or removing a factor, new recovery codes and a
 * new email address need a recent proof of the password or a factor: the `auth_time` of
 * the caller's access token (set at sign-in and by POST /auth/reauthenticate) within
 * REAUTH_MAX_AGE. A stolen access token alone is not enough: it answers 401
 * `reauthentication_required`. The time is read from the signed token, not from the
 * session, so a re-authentication by the owner does not freshen an older token someone
 * else holds. Factors are also added only to an account whose address was proven, so an
 * account registered in someone else's name cannot be given a factor before its owner
 * takes it back with a password reset.
 */
import type { Account } from '../../persistence/directory/user-directory.js';
import { EmailNotVerifiedError, InvalidTokenError, ReauthenticationRequiredError } from '../../errors.js';
import type { AccessClaims } from '../../auth/access-token.js';
import type { FlowDeps } from '../deps.js';
import { nowSeconds } from './session-tokens.js';

/** A token's auth_time may be this far ahead of this server's clock (another instance's skew). */
const FUTURE_SKEW_SECONDS = 60;

/** Throws 401 `reauthentication_required` unless the token's proof is recent enough. */
export function requireRecentAuth(
  deps: Pick<FlowDeps, 'config' | 'events'>,
  claims: AccessClaims,
  now = nowSeconds(),
): void {
  const maxAge = deps.config.accounts.reauthMaxAgeSeconds;
  const at = claims.auth_time;
  if (at > 0 && now - at <= maxAge && at <= now + FUTURE_SKEW_SECONDS) return;
  void deps.events.record('step_up_required');
  throw new ReauthenticationRequiredError(maxAge);
}

/**
 * Whether this server makes factor adds wait for a verified address: always when it can
 * verify addresses (it sends mail), and with REQUIRE_VERIFIED_EMAIL.
 */
export function factorsNeedVerifiedEmail(deps: Pick<FlowDeps, 'mailer' | 'config'>): boolean {
  return deps.mailer !== undefined || deps.config.accounts.requireVerifiedEmail;
}

/** Throws 403 `email_not_verified` when a factor may not be added to this account yet. */
export function requireVerifiedForFactors(deps: Pick<FlowDeps, 'config' | 'mailer'>, account: Account): void {
  if (account.emailVerified || !factorsNeedVerifiedEmail(deps)) return;
  throw new EmailNotVerifiedError(
    'Verify the email address of this account before adding a passkey or two-factor login (POST /auth/email-verification/request)',
  );
}

/**
 * The caller's account for a factor change: a live, enabled account whose token proves a
 * recent sign-in (401 `reauthentication_required`) and, when a factor is being added, a
 * verified address (403 `email_not_verified`).
 */
export async function accountForFactorChange(
  deps: Pick<FlowDeps, 'config' | 'directory' | 'events' | 'mailer'>,
  claims: AccessClaims,
  change: 'add' | 'remove',
): Promise<Account> {
  const account = await deps.directory.findById(claims.sub);
  if (!account || account.disabled) throw new InvalidTokenError();
  requireRecentAuth(deps, claims);
  if (change === 'add') requireVerifiedForFactors(deps, account);
  return account;
}
