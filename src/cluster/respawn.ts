/**
 * The restart policy of one worker slot: exponential backoff between restarts
 * (100 ms doubling up to 5 s) and a crash-loop breaker (more than `maxCrashes`
 * crashes within `windowMs` and the slot is given up). Pure: time is passed in.
 */
export interface RespawnPolicyOptions {
  initialDelayMs: number;
  maxDelayMs: number;
  maxCrashes: number;
  windowMs: number;
}

export const DEFAULT_RESPAWN_POLICY: RespawnPolicyOptions = {
  initialDelayMs: 100,
  maxDelayMs: 5000,
  maxCrashes: 5,
  windowMs: 60_000,
};

export type RespawnDecision =
  | { action: 'respawn'; delayMs: number; recentCrashes: number }
  | { action: 'give-up'; recentCrashes: number };

export class RespawnPolicy {
  private crashes: number[] = [];

  constructor(private readonly options: RespawnPolicyOptions = DEFAULT_RESPAWN_POLICY) {}

  /** Records a crash at `now` (ms) and says what to do about it. */
  onCrash(now: number): RespawnDecision {
    const { initialDelayMs, maxDelayMs, maxCrashes, windowMs } = this.options;
    this.crashes = this.crashes.filter((t) => now - t < windowMs);
    this.crashes.push(now);
    const recentCrashes = this.crashes.length;
    if (recentCrashes > maxCrashes) return { action: 'give-up', recentCrashes };
    const delayMs = Math.min(maxDelayMs, initialDelayMs * 2 ** (recentCrashes - 1));
    return { action: 'respawn', delayMs, recentCrashes };
  }
}
