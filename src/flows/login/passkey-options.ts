/**
 * POST /auth/passkeys/login/options: the options for `navigator.credentials.get`.
 * Without an email, any discoverable passkey of this relying party may answer (the
 * browser lets the person pick one). With an email, the account's passkeys are offered;
 * an email without any (unknown, or an account with none) gets stand-in credentials
 * derived from the email under a server key (decoy.ts), the same on every call and
 * shaped like real ones, so the answer does not tell whether the email has an account. Refused (429) while the address is
 * over its login failure limit, or past the options limits (login-limits.ts).
 */
import {
  generateAuthenticationOptions,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import type { ClientInfo, FlowDeps } from '../deps.js';
import { parseEmail } from '../../auth/email.js';
import { InvalidRequestError } from '../../errors.js';
import { CHALLENGE_TTL_SECONDS, keepChallenge, newChallenge } from '../shared/passkey-challenges.js';
import { decoyCredentials } from './passkey-decoy.js';
import { countOptionsRequest, refuseIfLocked } from './passkey-limits.js';
import type { CredentialDescriptor } from '../../persistence/passkey-store.js';

/** Kept with a login challenge: the credentials it may be answered with (any, when absent). */
export interface LoginChallenge {
  allow?: string[];
}

export async function loginOptions(
  deps: Pick<FlowDeps, 'config' | 'store' | 'events' | 'passkeys' | 'rp' | 'decoyKey'>,
  emailInput: string | undefined,
  client: ClientInfo,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  await refuseIfLocked(deps, client);
  let email: string | undefined;
  if (emailInput !== undefined) {
    email = parseEmail(emailInput) ?? undefined;
    if (!email) throw new InvalidRequestError('email must be a valid email address');
  }
  // Before the lookup and the stored challenge.
  await countOptionsRequest(deps, client);
  let allow: CredentialDescriptor[] | undefined;
  let kept: LoginChallenge = {};
  if (email !== undefined) {
    const found = await deps.passkeys.credentialsByEmail(email);
    allow = found.length > 0 ? found : decoyCredentials(deps.decoyKey, email);
    kept = { allow: found.map((c) => c.credentialId) };
  }
  const options = await generateAuthenticationOptions({
    rpID: deps.rp.rpId,
    challenge: newChallenge(),
    timeout: CHALLENGE_TTL_SECONDS * 1000,
    userVerification: 'required',
    ...(allow
      ? { allowCredentials: allow.map((c) => ({ id: c.credentialId, transports: c.transports })) }
      : {}),
  });
  await keepChallenge(deps.store, 'passkey-login', options.challenge, kept);
  return options;
}
