/**
 * POST /auth/passkeys/login/verify: passwordless sign-in. The assertion must answer a
 * challenge this service gave out (taken once: a replayed assertion finds it gone),
 * come from an allowed origin for this rp id, carry user verification and a valid
 * signature of a registered credential, and move its signature counter forward. A
 * counter that does not move forward means a cloned authenticator: refused, audited and
 * counted (`passkey_counter_regression`). Possession of the passkey plus user
 * verification is two factors, so the session opens at once, as a login with a second
 * factor would. Every failure is the same 401 `invalid_credentials` and counts against
 * the address's login limit. The session's `amr` (RFC 8176) is `hwk` for a device-bound
 * passkey or `swk` for a synced one, with `user` (user verification) and `mfa`. The owner
 * is mailed when a passkey signs in from a device it was not used from before: its first
 * sign-in, or a User-Agent none of the account's live sessions has.
 */
import { verifyAuthenticationResponse, type AuthenticationResponseJSON } from '@simplewebauthn/server';
import type { ClientInfo, FlowDeps, TokenPair } from '../deps.js';
import { cleanUserAgent, openSession } from '../shared/session-tokens.js';
import { AccountDisabledError, EmailNotVerifiedError, InvalidCredentialsError } from '../../errors.js';
import { NOTICE, notifyOwner } from '../shared/notices.js';
import { takeChallenge } from '../shared/passkey-challenges.js';
import { countFailure, refuseIfLocked } from './passkey-limits.js';
import type { LoginChallenge } from './passkey-options.js';
import type { Passkey } from '../../persistence/passkey-store.js';
import { userHandle } from '../shared/passkey-views.js';

const CREDENTIAL_ID = /^[A-Za-z0-9_-]{1,1366}$/;

/** RFC 8176 methods of a passkey sign-in with user verification. */
export function passkeyAmr(passkey: Pick<Passkey, 'deviceType'>): string[] {
  return [passkey.deviceType === 'multiDevice' ? 'swk' : 'hwk', 'user', 'mfa'];
}

/** A device this passkey has not signed in from: its first use, or a browser no live session has. */
async function isNewDevice(
  deps: Pick<FlowDeps, 'store'>,
  passkey: Passkey,
  client: ClientInfo,
): Promise<boolean> {
  if (passkey.lastUsedAt === null) return true;
  const ua = cleanUserAgent(client.userAgent);
  const sessions = await deps.store.listSessions(passkey.userId);
  return !sessions.some((s) => s.userAgent === ua);
}

/**
 * An assertion made in a frame of another site says `crossOrigin: true` (and, in
 * current browsers, the framing page as `topOrigin`): accepted only from a top origin
 * of WEBAUTHN_TOP_ORIGINS, so no other site can run sign-in inside its own page.
 */
function topOriginAllowed(deps: Pick<FlowDeps, 'rp'>, clientDataJSON: string): boolean {
  let data: { crossOrigin?: unknown; topOrigin?: unknown };
  try {
    data = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8')) as typeof data;
  } catch {
    return false;
  }
  if (data.crossOrigin !== true) return true;
  return typeof data.topOrigin === 'string' && deps.rp.topOrigins.includes(data.topOrigin);
}

export async function passkeyLogin(
  deps: Pick<
    FlowDeps,
    'config' | 'store' | 'directory' | 'events' | 'keys' | 'tokenOptions' | 'mailer' | 'passkeys' | 'rp'
  >,
  response: AuthenticationResponseJSON,
  client: ClientInfo,
): Promise<TokenPair> {
  const where = { ip: client.ip, userAgent: client.userAgent };
  const fail = async (reason: string, userId: string | null = null): Promise<never> => {
    await deps.events.record('login_failure', { userId, ...where, detail: { method: 'passkey', reason } });
    await countFailure(deps, client);
    throw new InvalidCredentialsError('The passkey was not accepted');
  };

  await refuseIfLocked(deps, client);
  const passkey = CREDENTIAL_ID.test(response.id)
    ? await deps.passkeys.findByCredentialId(response.id)
    : null;
  // Taken whatever follows, so that no answer can try it twice.
  const taken = await takeChallenge<LoginChallenge>(
    deps.store,
    'passkey-login',
    response.response?.clientDataJSON,
  );
  if (!taken) return fail('unknown_challenge', passkey?.userId ?? null);
  if (!topOriginAllowed(deps, response.response.clientDataJSON)) {
    return fail('cross_origin', passkey?.userId ?? null);
  }
  if (!passkey) return fail('unknown_credential');
  if (taken.value.allow && !taken.value.allow.includes(passkey.credentialId)) {
    return fail('credential_not_offered', passkey.userId);
  }
  const handle = response.response.userHandle;
  if (handle !== undefined && handle !== Buffer.from(userHandle(passkey.userId)).toString('base64url')) {
    return fail('user_handle_mismatch', passkey.userId);
  }

  let verified = false;
  let newCounter = 0;
  let backedUp = passkey.backedUp;
  try {
    const result = await verifyAuthenticationResponse({
      response,
      expectedChallenge: taken.challenge,
      expectedOrigin: [...deps.rp.origins],
      expectedRPID: deps.rp.rpId,
      // The counter is compared below, atomically with its update (recordUse).
      credential: { id: passkey.credentialId, publicKey: passkey.publicKey, counter: 0 },
      requireUserVerification: true,
    });
    verified = result.verified;
    newCounter = result.authenticationInfo.newCounter;
    backedUp = result.authenticationInfo.credentialBackedUp;
  } catch {
    verified = false;
  }
  if (!verified) return fail('invalid_assertion', passkey.userId);

  const used = await deps.passkeys.recordUse(passkey.credentialId, newCounter, backedUp);
  if (used.status === 'not_found') return fail('unknown_credential', passkey.userId);
  if (used.status === 'regressed') {
    await deps.events.record('passkey_counter_regression', {
      userId: passkey.userId,
      ...where,
      detail: { passkey: passkey.id, stored_counter: used.storedCounter, presented_counter: newCounter },
    });
    return fail('counter_regression', passkey.userId);
  }

  const account = await deps.directory.findById(passkey.userId);
  if (!account) return fail('unknown_account', passkey.userId);
  if (account.disabled) {
    await deps.events.record('login_disabled', {
      userId: account.id,
      ...where,
      detail: { method: 'passkey' },
    });
    throw new AccountDisabledError();
  }
  if (deps.config.accounts.requireVerifiedEmail && !account.emailVerified) {
    await deps.events.record('login_unverified', {
      userId: account.id,
      ...where,
      detail: { method: 'passkey' },
    });
    throw new EmailNotVerifiedError();
  }
  const newDevice = await isNewDevice(deps, passkey, client);
  // No second step even with TOTP on: the passkey with user verification is both factors.
  const opened = await openSession(deps, account, client, passkeyAmr(passkey));
  if (opened === 'stale') return fail('account_changed', account.id);
  if (newDevice) notifyOwner(deps, account.email, NOTICE.passkeyNewDevice(passkey.name), client);
  await deps.events.record('login_success', {
    userId: account.id,
    ...where,
    detail: { sid: opened.sid, method: 'passkey', passkey: passkey.id, new_device: newDevice },
  });
  return opened.pair;
}
