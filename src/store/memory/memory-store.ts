/**
 * The memory engine: every purpose in maps of this process (`sessions.ts`, `limits.ts`,
 * `single-use.ts`), with the Redis engine's semantics, for a single process with no
 * Redis configured. Expired entries are dropped lazily on access and by a periodic sweep
 * (unref'd, cleared by close()); after close() every operation rejects (fail closed).
 */
import { CombinedStore } from '../combined-store.js';
import type { StoreHealth } from '../health.js';
import { Lifetime } from './lifetime.js';
import { MemoryLimitCounters } from './limits.js';
import { MemorySessions } from './sessions.js';
import { MemorySingleUse } from './single-use.js';

export interface MemoryStoreOptions {
  /** Injected clock (ms) for tests. */
  now?: () => number;
  sweepIntervalMs?: number;
}

interface MemoryParts {
  readonly life: Lifetime;
  readonly sessions: MemorySessions;
  readonly limits: MemoryLimitCounters;
  readonly once: MemorySingleUse;
}

function memoryParts(now: () => number): MemoryParts {
  const life = new Lifetime(now);
  return {
    life,
    sessions: new MemorySessions(life),
    limits: new MemoryLimitCounters(life),
    once: new MemorySingleUse(life),
  };
}

const NOTICE = 'Redis is not configured: the embedded memory store is in use (one process only).';

export class MemoryStore extends CombinedStore<MemoryParts> {
  private readonly sweeper: NodeJS.Timeout;

  constructor(options: MemoryStoreOptions = {}) {
    super(memoryParts(options.now ?? Date.now));
    this.sweeper = setInterval(() => this.sweep(), options.sweepIntervalMs ?? 60_000);
    this.sweeper.unref();
  }

  sweep(): void {
    const now = this.parts.life.now();
    this.parts.sessions.sweep(now);
    this.parts.limits.sweep(now);
    this.parts.once.sweep(now);
  }

  /** Nothing to reach: the state is in this process. */
  override async health(): Promise<StoreHealth> {
    return { engine: 'memory', shared: false, notice: NOTICE };
  }

  override ping(): Promise<void> {
    return this.parts.life.op(() => undefined);
  }

  override close(): Promise<void> {
    this.parts.life.close();
    clearInterval(this.sweeper);
    return Promise.resolve();
  }
}
