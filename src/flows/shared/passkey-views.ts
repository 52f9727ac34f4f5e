/** What the owner of a passkey sees of it. */
import type { Passkey } from '../../persistence/passkey-store.js';

export interface PasskeyView {
  id: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
  /** `multiDevice`: a synced passkey; `singleDevice`: bound to one authenticator. */
  device_type: string;
  backed_up: boolean;
  transports: string[];
}

export function passkeyView(p: Passkey): PasskeyView {
  return {
    id: p.id,
    name: p.name,
    created_at: p.createdAt.toISOString(),
    last_used_at: p.lastUsedAt?.toISOString() ?? null,
    device_type: p.deviceType,
    backed_up: p.backedUp,
    transports: p.transports,
  };
}

/** The WebAuthn user handle of an account: its id's 16 bytes (no email, nothing personal). */
export function userHandle(uid: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(uid.replace(/-/g, ''), 'hex'));
}
