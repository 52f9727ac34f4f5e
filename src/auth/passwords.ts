/**
 * Password hashing with argon2id at the OWASP parameters (m=19456 KiB, t=2, p=1).
 * `verifyOrDecoy` runs a real verification against a decoy hash when the user does not
 * exist, so unknown email and wrong password take comparable time.
 */
import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

// Algorithm.Argon2id (a const enum in the typings, so spelled out here).
const ARGON2ID = 2;

export const ARGON2_OPTIONS = Object.freeze({
  algorithm: ARGON2ID,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
});

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

let decoyHash: Promise<string> | undefined;
function decoy(): Promise<string> {
  decoyHash ??= hash(randomBytes(24).toString('base64'), ARGON2_OPTIONS);
  return decoyHash;
}

/** Warms the decoy hash at start-up so the first unknown-user login is not faster. */
export async function prepareDecoy(): Promise<void> {
  await decoy();
}

export async function verifyOrDecoy(storedHash: string | undefined, password: string): Promise<boolean> {
  if (storedHash === undefined) {
    await verify(await decoy(), password).catch(() => false);
    return false;
  }
  try {
    return await verify(storedHash, password);
  } catch {
    return false;
  }
}
