/**
 * What the passkey operations need: the auth operations' deps (session store, accounts,
 * audit, tokens), the passkey table and the relying party. One operation per file, each
 * a plain function of `PasskeyDeps`, like the auth operations of src/auth/.
 */
import { createHmac } from 'node:crypto';
import type { AuthDeps } from '../deps.js';
import type { WebAuthnConfig } from '../../config/schema.js';
import type { PasskeyStore } from '../../persistence/passkey-store.js';

export interface PasskeyDeps {
  auth: AuthDeps;
  passkeys: PasskeyStore;
  rp: WebAuthnConfig;
  /** Keys the stand-in credentials offered for an email without passkeys (login-options.ts). */
  decoyKey: Buffer;
}

export function passkeyDeps(auth: AuthDeps, rp: WebAuthnConfig): PasskeyDeps {
  return {
    auth,
    passkeys: auth.passkeys,
    rp,
    decoyKey: createHmac('sha256', auth.refreshKey).update('tollgate passkey decoys').digest(),
  };
}
