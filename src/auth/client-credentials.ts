/**
 * Confidential clients of the OAuth endpoints (resource servers that introspect tokens),
 * configured with the SHA-256 of their secret only. A check costs the same whether the
 * client id is known or not and compares the digests in constant time. Secrets are 256
 * random bits, so a fast hash is enough: there is nothing to brute-force.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IntrospectionClientConfig } from '../config/schema.js';

/** The SHA-256 of a client secret (its UTF-8 bytes), in lower-case hex. */
export function hashClientSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** A fresh client secret: 256 random bits, base64url (43 characters). */
export function newClientSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** Compared against when the client id is unknown, so the timing says nothing about ids. */
const NO_CLIENT = createHash('sha256').update('no such client').digest();

export class ClientCredentials {
  readonly #digests: ReadonlyMap<string, Buffer>;

  constructor(clients: readonly IntrospectionClientConfig[]) {
    this.#digests = new Map(clients.map((c) => [c.id, Buffer.from(c.secretSha256, 'hex')]));
  }

  /** True when `id` is a configured client and `secret` is its secret. */
  verify(id: string, secret: string): boolean {
    const expected = this.#digests.get(id);
    const presented = createHash('sha256').update(secret, 'utf8').digest();
    const same = timingSafeEqual(presented, expected ?? NO_CLIENT);
    return same && expected !== undefined;
  }

  /** Whether `id` is a configured client (for logs; says nothing about a secret). */
  has(id: string): boolean {
    return this.#digests.has(id);
  }

  get size(): number {
    return this.#digests.size;
  }
}
