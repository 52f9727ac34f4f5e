/**
 * POST /auth/passkeys/register/options: the options for `navigator.credentials.create`
 * for the caller's account. A discoverable credential (resident key) with user
 * verification is required, so the passkey alone can sign in later; the caller's
 * existing passkeys are excluded so one authenticator is not registered twice.
 *
 * Only with a recent sign-in (REAUTH_MAX_AGE) and a verified address (src/flows/shared/step-up.ts):
 * an access token alone cannot add a passkey.
 *
 * The signature algorithms are fixed (EdDSA, ES256, RS256) rather than whatever the
 * running Node can verify: a newer Node would also offer ML-DSA, and a passkey made with
 * it could not sign in on an instance of the same fleet running an older Node.
 */
import {
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
} from '@simplewebauthn/server';
import type { AccessClaims } from '../../auth/access-token.js';
import { accountForFactorChange } from '../shared/step-up.js';
import { CHALLENGE_TTL_SECONDS, keepChallenge, newChallenge } from '../shared/passkey-challenges.js';
import type { FlowDeps } from '../deps.js';
import { userHandle } from '../shared/passkey-views.js';

/** Kept with a registration challenge: whose it is. */
/** COSE algorithm ids offered for new passkeys, most preferred first: EdDSA, ES256, RS256. */
export const PASSKEY_ALGORITHMS: readonly number[] = [-8, -7, -257];

export interface RegistrationChallenge {
  uid: string;
}

export async function registrationOptions(
  deps: Pick<FlowDeps, 'config' | 'store' | 'directory' | 'events' | 'mailer' | 'passkeys' | 'rp'>,
  claims: AccessClaims,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const account = await accountForFactorChange(deps, claims, 'add');
  const existing = await deps.passkeys.listByUser(account.id);
  const options = await generateRegistrationOptions({
    rpName: deps.rp.rpName,
    rpID: deps.rp.rpId,
    userName: account.email,
    userDisplayName: account.email,
    userID: userHandle(claims.sub),
    challenge: newChallenge(),
    timeout: CHALLENGE_TTL_SECONDS * 1000,
    attestationType: 'none',
    supportedAlgorithmIDs: [...PASSKEY_ALGORITHMS],
    excludeCredentials: existing.map((p) => ({ id: p.credentialId, transports: p.transports })),
    authenticatorSelection: {
      residentKey: 'required',
      requireResidentKey: true,
      userVerification: 'required',
    },
  });
  const kept: RegistrationChallenge = { uid: claims.sub };
  await keepChallenge(deps.store, 'passkey-register', options.challenge, kept);
  return options;
}
