/**
 * Closed model: a fixed population of virtual users, each running its scenario in a loop
 * (with think time between requests), started at the ramp-up rate. A user starts no new
 * flow after the soft end; a flow in progress is allowed to finish until the hard end.
 */
import { nowMs } from './clock.js';
import { countFlow, flowContext, type GeneratorRuntime } from './runtime.js';
import { runAuthFlow } from './scenarios/auth-flow.js';
import type { FlowResult } from './scenarios/context.js';
import { runLoginFlow } from './scenarios/login.js';
import type { Tokens } from './scenarios/session.js';
import { VerifyUser } from './scenarios/verify.js';

type Sessions = ReadonlyMap<number, Tokens>;

function stepper(rt: GeneratorRuntime, vu: number, sessions: Sessions): () => Promise<FlowResult> {
  const ctx = flowContext(rt, vu, true);
  switch (rt.run.scenario) {
    case 'auth-flow':
      return () => runAuthFlow(ctx);
    case 'login':
      return () => runLoginFlow(ctx);
    case 'verify': {
      const user = new VerifyUser(ctx, sessions.get(vu));
      return () => user.step();
    }
  }
}

async function runUser(rt: GeneratorRuntime, vu: number, sessions: Sessions): Promise<void> {
  const { run } = rt;
  const startAt = rt.t0 + (run.rampUp > 0 ? (vu / run.rampUp) * 1_000 : 0);
  await rt.soft.sleep(startAt - nowMs());
  if (rt.soft.stopped) return;
  const step = stepper(rt, vu, sessions);
  rt.activeUsers++;
  try {
    for (let i = 0; run.iterations === undefined || i < run.iterations; i++) {
      if (rt.soft.stopped) break;
      const result = await step();
      if (result.aborted) break;
      if (run.scenario !== 'verify') countFlow(rt, result);
      if (result.backoffMs > 0) await rt.soft.sleep(result.backoffMs);
      else if (run.thinkTimeMs > 0) await rt.soft.sleep(run.thinkTimeMs);
    }
  } finally {
    rt.activeUsers--;
  }
}

/** Runs this generator's users: global numbers index, index + count, index + 2*count, ... */
export async function runClosedModel(rt: GeneratorRuntime, sessions: Sessions): Promise<void> {
  const users: Promise<void>[] = [];
  for (let vu = rt.index; vu < rt.run.users; vu += rt.count) users.push(runUser(rt, vu, sessions));
  await Promise.all(users);
}
