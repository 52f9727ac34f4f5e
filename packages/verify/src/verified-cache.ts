/**
 * Remembers tokens whose signature and claims already verified, so a token presented
 * again skips the signature check. Only the local check is remembered: the session is
 * still checked on every request, so logout is honoured as before.
 *
 * An entry is dropped when the token expires (`exp` plus the clock tolerance, exactly
 * when the full check would refuse it) and when the key set has been fetched again
 * since the entry was made (a key removed from the set stops being accepted). Bounded:
 * the oldest entry goes first.
 */
import type { TollgateClaims } from './jwt.js';

interface Entry {
  claims: TollgateClaims;
  generation: number;
}

export class VerifiedTokenCache {
  readonly #entries = new Map<string, Entry>();

  constructor(
    private readonly maxEntries: number,
    private readonly toleranceSeconds: number,
  ) {}

  get(token: string, generation: number): TollgateClaims | undefined {
    const entry = this.#entries.get(token);
    if (!entry) return undefined;
    if (entry.generation !== generation || entry.claims.exp + this.toleranceSeconds <= Date.now() / 1000) {
      this.#entries.delete(token);
      return undefined;
    }
    return entry.claims;
  }

  set(token: string, claims: TollgateClaims, generation: number): void {
    if (this.maxEntries <= 0) return;
    if (this.#entries.size >= this.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(token, { claims, generation });
  }
}
