/**
 * Sessions this process recorded as used, and when: `authenticate` writes a session's
 * last-seen time at most once per LAST_SEEN_RESOLUTION_MS from here (the store enforces
 * the same rule across processes). Bounded: the oldest entries go first.
 */
import { LAST_SEEN_RESOLUTION_MS } from '../store/store.js';

export class LastTouched {
  readonly #at = new Map<string, number>();

  constructor(
    private readonly maxEntries = 50_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when the session is due a write; remembers that it was made now. */
  due(sid: string): boolean {
    const now = this.now();
    const last = this.#at.get(sid);
    if (last !== undefined && now - last < LAST_SEEN_RESOLUTION_MS) return false;
    this.#at.delete(sid);
    if (this.#at.size >= this.maxEntries) {
      const oldest = this.#at.keys().next();
      if (!oldest.done) this.#at.delete(oldest.value);
    }
    this.#at.set(sid, now);
    return true;
  }
}
