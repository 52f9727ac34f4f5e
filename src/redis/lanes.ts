/**
 * The pool's connections ("lanes") and the choice of one for the next command: the
 * usable lane with the fewest commands in flight below the per-lane cap, starting the
 * scan one lane further each time so that idle lanes take turns.
 */
import type { Connection } from './connection.js';
import type { ConnectionStatsSnapshot } from './types.js';

export class Lanes {
  readonly #lanes: readonly Connection[];
  readonly #cap: number;
  #next = 0;

  constructor(lanes: readonly Connection[], maxInFlightPerLane: number) {
    this.#lanes = lanes;
    this.#cap = maxInFlightPerLane;
  }

  get all(): readonly Connection[] {
    return this.#lanes;
  }

  get size(): number {
    return this.#lanes.length;
  }

  /** The usable lane with the fewest commands in flight below the cap, if any. */
  pick(): Connection | undefined {
    const lanes = this.#lanes;
    const n = lanes.length;
    const start = this.#next;
    this.#next = (start + 1) % n;
    let best: Connection | undefined;
    for (let i = 0; i < n; i++) {
      const c = lanes[(start + i) % n]!;
      if (!c.usable || c.inFlight >= this.#cap) continue;
      if (c.inFlight === 0) return c;
      if (!best || c.inFlight < best.inFlight) best = c;
    }
    return best;
  }

  /** At least one lane is ready and passed its last health check. */
  anyUsable(): boolean {
    return this.#lanes.some((c) => c.usable);
  }

  /** At least one lane is connecting or about to make its first reconnect attempt. */
  anyReconnecting(): boolean {
    return this.#lanes.some((c) => c.reconnecting);
  }

  snapshots(): ConnectionStatsSnapshot[] {
    return this.#lanes.map((c) => c.snapshot());
  }
}
