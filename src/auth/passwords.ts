/**
 * Password hashing with argon2id. The service runs the OWASP parameters (m=19456 KiB,
 * t=2, p=1); nothing in configuration can lower them. A `PasswordHasher` is injected
 * into the auth service by the composition root, which is how tests use a cheaper cost
 * without that cost ever being reachable from production configuration.
 *
 * `verifyOrDecoy` runs a real verification against a decoy hash when the user does not
 * exist, so unknown email and wrong password take comparable time.
 */
import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

// Algorithm.Argon2id (a const enum in the typings, so spelled out here).
const ARGON2ID = 2;

export interface Argon2Cost {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

export const OWASP_ARGON2ID: Readonly<Argon2Cost> = Object.freeze({
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
});

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** True when `password` matches; false for a mismatch or a malformed stored hash. */
  verify(storedHash: string, password: string): Promise<boolean>;
  /** Verifies against `storedHash`, or against a decoy when there is none (always false then). */
  verifyOrDecoy(storedHash: string | undefined, password: string): Promise<boolean>;
  /** Computes the decoy hash ahead of the first login, so that login is not faster. */
  prepare(): Promise<void>;
}

export function argon2idHasher(cost: Argon2Cost = OWASP_ARGON2ID): PasswordHasher {
  const options = { algorithm: ARGON2ID, ...cost };
  let decoy: Promise<string> | undefined;
  const decoyHash = (): Promise<string> => {
    decoy ??= hash(randomBytes(24).toString('base64'), options);
    return decoy;
  };
  const check = async (storedHash: string, password: string): Promise<boolean> => {
    try {
      return await verify(storedHash, password);
    } catch {
      return false;
    }
  };
  return {
    hash: (password) => hash(password, options),
    verify: check,
    async verifyOrDecoy(storedHash, password) {
      if (storedHash === undefined) {
        await check(await decoyHash(), password);
        return false;
      }
      return check(storedHash, password);
    },
    async prepare() {
      await decoyHash();
    },
  };
}
