/**
 * Remembers access tokens whose signature and claims already verified, until they
 * expire. It caches only the cryptographic check, which cannot change for a given
 * token string within a process: the session-liveness check still runs on every
 * request, so logout consistency is untouched. Bounded (oldest entries are evicted first).
 */
import type { AccessClaims } from './access-token.js';

export class VerifiedTokenCache {
  private readonly entries = new Map<string, AccessClaims>();

  constructor(
    private readonly maxEntries = 10_000,
    private readonly nowSeconds: () => number = () => Date.now() / 1000,
  ) {}

  get(token: string): AccessClaims | undefined {
    const claims = this.entries.get(token);
    if (claims && claims.exp <= this.nowSeconds()) {
      this.entries.delete(token);
      return undefined;
    }
    return claims;
  }

  set(token: string, claims: AccessClaims): void {
    if (this.maxEntries <= 0) return;
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(token, claims);
  }

  get size(): number {
    return this.entries.size;
  }
}
