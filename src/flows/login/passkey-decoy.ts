/**
 * The stand-in credentials offered for an email without passkeys (unknown, or an
 * account with none), so that the sign-in options do not tell whether an account or a
 * passkey exists. Each is derived from the email under a server key (HMAC-SHA-256), so
 * repeated requests see the same; their shapes follow the authenticators people use
 * (credential id length and transports, as browsers report them), chosen by the same
 * derivation, one or two per email as real accounts have.
 */
import { createHmac } from 'node:crypto';
import type { CredentialDescriptor } from '../../persistence/passkey-store.js';

/** Credential id bytes and transports of common authenticators. */
export const DECOY_SHAPES: ReadonlyArray<{ bytes: number; transports: string[] }> = [
  // Google Password Manager (Android, Chrome)
  { bytes: 16, transports: ['hybrid', 'internal'] },
  // iCloud Keychain (Apple devices)
  { bytes: 20, transports: ['hybrid', 'internal'] },
  // Windows Hello
  { bytes: 32, transports: ['internal'] },
  // Password managers and Chrome profiles
  { bytes: 32, transports: ['hybrid', 'internal'] },
  // Security keys (USB and NFC)
  { bytes: 64, transports: ['nfc', 'usb'] },
];

function derive(key: Buffer, label: string, email: string, bytes: number): Buffer {
  const out: Buffer[] = [];
  for (let block = 0; out.length * 32 < bytes; block++) {
    out.push(createHmac('sha256', key).update(`${label}\u0000${block}\u0000${email}`).digest());
  }
  return Buffer.concat(out).subarray(0, bytes);
}

export function decoyCredentials(key: Buffer, email: string): CredentialDescriptor[] {
  const choice = derive(key, 'choice', email, 3);
  const count = choice[0]! % 4 === 0 ? 2 : 1;
  return Array.from({ length: count }, (_, i) => {
    const shape = DECOY_SHAPES[choice[1 + i]! % DECOY_SHAPES.length]!;
    return {
      credentialId: derive(key, `id ${i}`, email, shape.bytes).toString('base64url'),
      transports: [...shape.transports],
    };
  });
}
