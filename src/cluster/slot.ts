/**
 * One worker slot of the cluster primary: the worker currently in it, whether it has
 * ever served (a first start that fails is a configuration problem, not a crash), its
 * start-up timer and its restart policy.
 */
import type { Worker } from 'node:cluster';
import { RespawnPolicy, type RespawnDecision, type RespawnPolicyOptions } from './respawn.js';

export class WorkerSlot {
  worker: Worker | undefined;
  /** The slot's worker has been ready at least once. */
  everReady = false;
  givenUp = false;
  /** The slot's current worker has said it is ready (and has not exited since). */
  serving = false;
  /** When the last crash of this slot happened (to measure the restart time). */
  crashedAt: number | undefined;
  /** The last start-up error a worker of this slot reported. */
  startupError: string | undefined;
  #respawnTimer: NodeJS.Timeout | undefined;
  #startupTimer: NodeJS.Timeout | undefined;
  readonly #policy: RespawnPolicy;

  constructor(
    readonly index: number,
    policy?: RespawnPolicyOptions,
  ) {
    this.#policy = new RespawnPolicy(policy);
  }

  /** Kills the worker if it is not ready within `ms` (`onTimeout` says why, first). */
  armStartupTimer(ms: number, onTimeout: () => void): void {
    this.#startupTimer = setTimeout(onTimeout, ms);
  }

  /** The worker is serving (or gone): no more start-up deadline. */
  clearStartupTimer(): void {
    clearTimeout(this.#startupTimer);
    this.#startupTimer = undefined;
  }

  /** Records a crash and says whether (and when) to restart. */
  crashed(now: number): RespawnDecision {
    const decision = this.#policy.onCrash(now);
    if (decision.action === 'respawn') this.crashedAt = now;
    else this.givenUp = true;
    return decision;
  }

  scheduleRespawn(delayMs: number, respawn: () => void): void {
    this.#respawnTimer = setTimeout(() => {
      this.#respawnTimer = undefined;
      respawn();
    }, delayMs);
  }

  cancelTimers(): void {
    clearTimeout(this.#respawnTimer);
    this.#respawnTimer = undefined;
    this.clearStartupTimer();
  }
}
