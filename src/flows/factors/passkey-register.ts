/**
 * POST /auth/passkeys/register/verify: checks the browser's answer to the registration
 * options (challenge of this caller, used once; origin and rp id; user verified) and
 * stores the credential with its counter and backup flags. Like the options, it needs a
 * recent sign-in and a verified address; the owner is mailed about the new passkey.
 */
import { randomUUID } from 'node:crypto';
import { verifyRegistrationResponse, type RegistrationResponseJSON } from '@simplewebauthn/server';
import type { AccessClaims } from '../../auth/access-token.js';
import type { ClientInfo, FlowDeps } from '../deps.js';
import { accountForFactorChange } from '../shared/step-up.js';
import { InvalidRequestError } from '../../errors.js';
import { NOTICE, notifyOwner } from '../shared/notices.js';
import { takeChallenge } from '../shared/passkey-challenges.js';
import { PASSKEY_ALGORITHMS, type RegistrationChallenge } from './passkey-options.js';

export const DEFAULT_PASSKEY_NAME = 'Passkey';

export interface RegisteredPasskey {
  id: string;
  name: string;
  created_at: string;
}

export async function registerPasskey(
  deps: Pick<FlowDeps, 'config' | 'store' | 'directory' | 'events' | 'mailer' | 'passkeys' | 'rp'>,
  claims: AccessClaims,
  response: RegistrationResponseJSON,
  name: string | undefined,
  client: ClientInfo,
): Promise<RegisteredPasskey> {
  const account = await accountForFactorChange(deps, claims, 'add');
  const taken = await takeChallenge<RegistrationChallenge>(
    deps.store,
    'passkey-register',
    response.response?.clientDataJSON,
  );
  if (!taken || taken.value.uid !== claims.sub) {
    throw new InvalidRequestError(
      'The registration challenge is unknown, expired or used; ask for new options',
    );
  }
  let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    verified = await verifyRegistrationResponse({
      response,
      expectedChallenge: taken.challenge,
      expectedOrigin: [...deps.rp.origins],
      expectedRPID: deps.rp.rpId,
      requireUserVerification: true,
      supportedAlgorithmIDs: [...PASSKEY_ALGORITHMS],
    });
  } catch {
    verified = { verified: false };
  }
  if (!verified.verified) throw new InvalidRequestError('The passkey could not be verified');
  const info = verified.registrationInfo;
  const added = await deps.passkeys.add({
    id: randomUUID(),
    credentialId: info.credential.id,
    userId: claims.sub,
    publicKey: info.credential.publicKey,
    counter: info.credential.counter,
    transports: info.credential.transports ?? [],
    deviceType: info.credentialDeviceType,
    backedUp: info.credentialBackedUp,
    name: name?.trim() || DEFAULT_PASSKEY_NAME,
  });
  if (added === 'duplicate') throw new InvalidRequestError('This passkey is registered already');
  await deps.events.record('passkey_added', {
    userId: claims.sub,
    ip: client.ip,
    userAgent: client.userAgent,
    detail: {
      passkey: added.id,
      name: added.name,
      device_type: added.deviceType,
      backed_up: added.backedUp,
    },
  });
  notifyOwner(deps, account.email, NOTICE.passkeyAdded(added.name), client);
  return { id: added.id, name: added.name, created_at: added.createdAt.toISOString() };
}
