/**
 * Single-use values: short-lived values taken at most once (an MFA step ticket, a
 * WebAuthn challenge). Build the key with `keys.oneTime(kind, id)`.
 */
export interface SingleUseValues {
  /** Keeps `value` under `key` for `ttlSeconds`, replacing any earlier value. */
  putOnce(key: string, value: string, ttlSeconds: number): Promise<void>;
  /**
   * Returns the value under `key` and deletes it in the same step, or null when there is
   * none (never put, taken already, expired): of concurrent takers, exactly one gets it.
   */
  takeOnce(key: string): Promise<string | null>;
}
