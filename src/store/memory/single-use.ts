/** Single-use values in a map of this process; expired ones are dropped when read or swept. */
import type { SingleUseValues } from '../single-use.js';
import type { Lifetime } from './lifetime.js';

export class MemorySingleUse implements SingleUseValues {
  /** key → value and when it expires (ms). */
  private readonly values = new Map<string, { value: string; expiresAt: number }>();

  constructor(private readonly life: Lifetime) {}

  putOnce(key: string, value: string, ttlSeconds: number): Promise<void> {
    return this.life.op(() => {
      this.values.set(key, { value, expiresAt: this.life.now() + ttlSeconds * 1000 });
    });
  }

  takeOnce(key: string): Promise<string | null> {
    return this.life.op(() => {
      const entry = this.values.get(key);
      this.values.delete(key);
      return entry && entry.expiresAt > this.life.now() ? entry.value : null;
    });
  }

  sweep(now: number): void {
    for (const [k, v] of this.values) if (v.expiresAt <= now) this.values.delete(k);
  }
}
