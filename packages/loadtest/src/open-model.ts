/**
 * Open model: arrivals at a constant rate whatever the target does. Arrival k of the
 * whole run is due at t0 + k / rate; generator i of n takes arrivals i, i + n, ... Each
 * arrival's first request is timed from its intended (due) time, not from when it was
 * actually sent, so a stalled target or a busy generator shows up in the latencies
 * instead of silently lowering the rate (no coordinated omission). Arrivals over the
 * in-flight bound are dropped and counted; arrivals sent more than LATE_MS after their
 * due time are counted as late.
 */
import { nowMs } from './clock.js';
import { countFlow, flowContext, shareOf, type GeneratorRuntime } from './runtime.js';
import { runAuthFlow } from './scenarios/auth-flow.js';
import { runLoginFlow } from './scenarios/login.js';
import type { VerifyUser } from './scenarios/verify.js';

export const LATE_MS = 10;

/** Due time (epoch ms) of this generator's k-th arrival. */
export function intendedTime(t0: number, rate: number, index: number, count: number, k: number): number {
  return t0 + ((k * count + index) / rate) * 1_000;
}

export interface OpenModelHooks {
  /** Logged-in users for the `verify` scenario (prepared before t0). */
  verifyUsers: VerifyUser[];
}

function arrival(
  rt: GeneratorRuntime,
  hooks: OpenModelHooks,
  n: number,
): (intendedMs: number) => Promise<void> {
  switch (rt.run.scenario) {
    case 'verify': {
      return async (intendedMs) => {
        const user = hooks.verifyUsers[n % Math.max(1, hooks.verifyUsers.length)];
        if (!user) return;
        if (!user.loggedIn) await user.ensureSession();
        await user.verifyOnce(intendedMs);
      };
    }
    case 'auth-flow':
      return async (intendedMs) => countFlow(rt, await runAuthFlow(flowContext(rt, n, false), intendedMs));
    case 'login':
      return async (intendedMs) => countFlow(rt, await runLoginFlow(flowContext(rt, n, false), intendedMs));
  }
}

export async function runOpenModel(rt: GeneratorRuntime, hooks: OpenModelHooks): Promise<void> {
  const rate = rt.run.rate ?? 1;
  const maxInFlight = Math.max(1, shareOf(rt.run.maxInFlight, rt.index, rt.count));
  const inFlight = new Set<Promise<void>>();
  const counts = rt.open;
  for (let k = 0; ;) {
    const due = intendedTime(rt.t0, rate, rt.index, rt.count, k);
    if (due >= rt.softEndMs || rt.soft.stopped) break;
    const wait = due - nowMs();
    if (wait > 0) await rt.soft.sleep(wait);
    if (rt.soft.stopped) break;
    // Launch every arrival that is due by now (several at once when the timer was late).
    const now = nowMs();
    for (;;) {
      const t = intendedTime(rt.t0, rate, rt.index, rt.count, k);
      if (t > now || t >= rt.softEndMs) break;
      const n = k * rt.count + rt.index;
      k++;
      counts.scheduled++;
      if (inFlight.size >= maxInFlight) {
        counts.dropped++;
        continue;
      }
      counts.started++;
      if (now - t > LATE_MS) counts.late++;
      const p: Promise<void> = arrival(rt, hooks, n)(t).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
  }
  await Promise.all(inFlight);
}
