/**
 * POST /auth/mfa/totp/setup, /enable, /disable and /auth/mfa/recovery-codes (signed in).
 * Setup keeps a new secret, sealed, not yet in force; enable turns it on with a first
 * code and answers ten recovery codes, shown this once (only their hashes are kept);
 * disable takes a code or a recovery code (that code is its proof); recovery-codes
 * replaces the ten codes. Setup, enable and new codes need a recent sign-in
 * (src/flows/shared/step-up.ts), setup and enable a verified address too, so an access token
 * alone cannot turn TOTP on. Wrong codes count against the account's code limit, the
 * same one the second login step uses. The owner is mailed about every change.
 */
import type { AccessClaims } from '../../auth/access-token.js';
import type { FlowDeps, ClientInfo } from '../deps.js';
import { accountForFactorChange } from '../shared/step-up.js';
import {
  InvalidCodeError,
  InvalidTokenError,
  MfaAlreadyEnabledError,
  MfaNotEnabledError,
  TooManyAttemptsError,
} from '../../errors.js';
import type { Account } from '../../persistence/directory/user-directory.js';
import { NOTICE, notifyOwner } from '../shared/notices.js';
import { checkMfaAttempts, recordMfaFailure, recordMfaSuccess } from '../shared/request-limits.js';
import { generateRecoveryCodes } from '../../crypto/recovery-codes.js';
import { checkSecondFactor, requireSecrets, totpContext } from '../shared/second-factor.js';
import { generateTotpSecret, totpUri } from '../../crypto/totp.js';

async function liveAccount(deps: Pick<FlowDeps, 'directory'>, claims: AccessClaims): Promise<Account> {
  const account = await deps.directory.findById(claims.sub);
  if (!account || account.disabled) throw new InvalidTokenError();
  return account;
}

/** Counts a wrong code (429 past the limit) and answers 400 `invalid_code`. */
async function wrongCode(
  deps: Pick<FlowDeps, 'store' | 'events'>,
  account: Account,
  client: ClientInfo,
  during: string,
): Promise<never> {
  await deps.events.record('mfa_failure', {
    userId: account.id,
    ip: client.ip,
    userAgent: client.userAgent,
    detail: { during },
  });
  try {
    await recordMfaFailure(deps, account.id);
  } catch (err) {
    if (err instanceof TooManyAttemptsError) await deps.events.record('mfa_limit_reached');
    throw err;
  }
  throw new InvalidCodeError(400);
}

export async function setupTotp(
  deps: Pick<FlowDeps, 'config' | 'directory' | 'events' | 'mailer' | 'totp' | 'secrets'>,
  claims: AccessClaims,
): Promise<{ secret: string; otpauth_uri: string }> {
  const box = requireSecrets(deps);
  const account = await accountForFactorChange(deps, claims, 'add');
  if (account.mfaEnabled) throw new MfaAlreadyEnabledError();
  const secret = generateTotpSecret();
  if (!(await deps.totp.savePending(account.id, box.seal(secret, totpContext(account.id))))) {
    throw new MfaAlreadyEnabledError();
  }
  return {
    secret,
    // Authenticator apps show the issuer: the host name reads better than the URL.
    otpauth_uri: totpUri({ secret, issuer: new URL(deps.config.jwt.issuer).host, account: account.email }),
  };
}

export async function enableTotp(
  deps: Pick<FlowDeps, 'config' | 'store' | 'directory' | 'events' | 'mailer' | 'totp' | 'secrets'>,
  claims: AccessClaims,
  code: string,
  client: ClientInfo,
): Promise<{ recovery_codes: string[] }> {
  requireSecrets(deps);
  const account = await accountForFactorChange(deps, claims, 'add');
  const factor = await deps.totp.find(account.id);
  if (factor?.enabledAt) throw new MfaAlreadyEnabledError();
  if (!factor) throw new MfaNotEnabledError('Set up TOTP first (POST /auth/mfa/totp/setup)');
  await checkMfaAttempts(deps, account.id);
  if (!(await checkSecondFactor(deps, factor, code, false)))
    return wrongCode(deps, account, client, 'enable');
  await recordMfaSuccess(deps, account.id);
  const { codes, hashes } = generateRecoveryCodes();
  if (!(await deps.totp.enable(account.id, hashes))) throw new MfaAlreadyEnabledError();
  await deps.events.record('mfa_enabled', { userId: account.id, ip: client.ip, userAgent: client.userAgent });
  notifyOwner(deps, account.email, NOTICE.totpEnabled(), client);
  return { recovery_codes: codes };
}

/** Ten new recovery codes in place of the old ones (TOTP must be on). */
export async function regenerateRecoveryCodes(
  deps: Pick<FlowDeps, 'config' | 'directory' | 'events' | 'mailer' | 'totp' | 'secrets'>,
  claims: AccessClaims,
  client: ClientInfo,
): Promise<{ recovery_codes: string[] }> {
  requireSecrets(deps);
  const account = await accountForFactorChange(deps, claims, 'remove');
  const { codes, hashes } = generateRecoveryCodes();
  if (!(await deps.totp.replaceRecoveryCodes(account.id, hashes))) throw new MfaNotEnabledError();
  await deps.events.record('recovery_codes_regenerated', {
    userId: account.id,
    ip: client.ip,
    userAgent: client.userAgent,
  });
  notifyOwner(deps, account.email, NOTICE.recoveryCodes(), client);
  return { recovery_codes: codes };
}

export async function disableTotp(
  deps: Pick<FlowDeps, 'store' | 'directory' | 'events' | 'mailer' | 'totp' | 'secrets'>,
  claims: AccessClaims,
  code: string,
  client: ClientInfo,
): Promise<void> {
  requireSecrets(deps);
  const account = await liveAccount(deps, claims);
  const factor = await deps.totp.find(account.id);
  if (!factor?.enabledAt) throw new MfaNotEnabledError();
  await checkMfaAttempts(deps, account.id);
  const used = await checkSecondFactor(deps, factor, code, true);
  if (!used) return wrongCode(deps, account, client, 'disable');
  await recordMfaSuccess(deps, account.id);
  await deps.totp.remove(account.id);
  await deps.events.record('mfa_disabled', {
    userId: account.id,
    ip: client.ip,
    userAgent: client.userAgent,
    detail: { with: used },
  });
  notifyOwner(deps, account.email, NOTICE.totpDisabled(), client);
}
