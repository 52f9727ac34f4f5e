/**
 * Set-up calls of the benchmarks (register, login) on a busy machine: tollgate sheds
 * password hashing with 503 / 429 when its cores are taken; wait and try again (at most
 * 30 times, 500 ms apart) instead of failing the run.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export async function patiently<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const shed = err instanceof Error && /: (503|429) /.test(err.message);
      if (!shed || attempt >= 30) throw err;
      await sleep(500);
    }
  }
}
