/**
 * Password hashing with argon2id. The service runs the OWASP parameters (m=19456 KiB,
 * t=2, p=1); nothing in configuration can lower them. A `PasswordHasher` is injected
 * into the auth service by the composition root, which is how tests use a cheaper cost
 * without that cost ever being reachable from production configuration.
 *
 * Where the hashes run (PASSWORD_HASHER): on the service's own threads at the lowest OS
 * priority (the default; hash-threads.ts), on those threads at normal priority, or in
 * libuv's pool (the library's async calls; what one-off commands use).
 *
 * `verifyOrDecoy` runs a real verification against a decoy hash when the user does not
 * exist, so unknown email and wrong password take comparable time.
 */
import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { InternalError } from '../errors.js';
import { HashThreads } from './hash-threads.js';

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

/** Where the hashes run: see the module comment. */
export type HasherRunner = 'threads-low-priority' | 'threads' | 'libuv';

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** True when `password` matches; false for a mismatch or a malformed stored hash. */
  verify(storedHash: string, password: string): Promise<boolean>;
  /** Verifies against `storedHash`, or against a decoy when there is none (always false then). */
  verifyOrDecoy(storedHash: string | undefined, password: string): Promise<boolean>;
  /**
   * Computes the decoy hash ahead of the first login, so that login is not faster, and
   * times one verification (`estimatedMs`), the admission's first guess of a hash's time.
   */
  prepare(): Promise<void>;
  /** Wall time of one verification measured by `prepare`, in ms (undefined before). */
  readonly estimatedMs?: number | undefined;
  /** Ends the hashing threads, if any. */
  close?(): Promise<void>;
}

export interface HasherOptions {
  runner?: HasherRunner;
  /** Threads for the `threads*` runners (the admission's slots). */
  threads?: number;
}

export function argon2idHasher(cost: Argon2Cost = OWASP_ARGON2ID, opts: HasherOptions = {}): PasswordHasher {
  const options = { algorithm: ARGON2ID, ...cost };
  const runner = opts.runner ?? 'libuv';
  const threads =
    runner === 'libuv'
      ? undefined
      : new HashThreads({ threads: opts.threads ?? 1, lowPriority: runner === 'threads-low-priority' });
  const doHash = (password: string): Promise<string> =>
    threads ? threads.hash(password, options) : hash(password, options);
  const doVerify = (stored: string, password: string): Promise<boolean> =>
    threads ? threads.verify(stored, password) : verify(stored, password);
  let decoy: Promise<string> | undefined;
  const decoyHash = (): Promise<string> => {
    decoy ??= doHash(randomBytes(24).toString('base64'));
    return decoy;
  };
  const check = async (storedHash: string, password: string): Promise<boolean> => {
    try {
      return await doVerify(storedHash, password);
    } catch (err) {
      // A malformed stored hash is a mismatch; a failed hashing thread is the server's fault.
      if (err instanceof InternalError) throw err;
      return false;
    }
  };
  const hasher: PasswordHasher & { estimatedMs: number | undefined } = {
    estimatedMs: undefined,
    hash: doHash,
    verify: check,
    async verifyOrDecoy(storedHash, password) {
      if (storedHash === undefined) {
        await check(await decoyHash(), password);
        return false;
      }
      return check(storedHash, password);
    },
    async prepare() {
      const stored = await decoyHash();
      const t0 = performance.now();
      await check(stored, 'a password to time');
      hasher.estimatedMs = performance.now() - t0;
      threads?.lowerPriority();
    },
    async close() {
      await threads?.close();
    },
  };
  return hasher;
}
