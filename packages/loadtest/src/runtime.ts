/** State shared by a generator and the load model it runs. */
import type { Sleeper } from './clock.js';
import type { LoadClient } from './http-client.js';
import type { Recorder } from './recorder.js';
import type { FlowContext, FlowResult } from './scenarios/context.js';
import { accountEmail } from './config.js';
import type { FlowCounts, OpenModelCounts, RunConfig } from './types.js';

export interface GeneratorRuntime {
  readonly run: RunConfig;
  /** This generator's index and the number of generators. */
  readonly index: number;
  readonly count: number;
  /** Run start, soft end (no new work) and hard end (abort), epoch ms. */
  readonly t0: number;
  readonly softEndMs: number;
  readonly hardEndMs: number;
  readonly client: LoadClient;
  readonly recorder: Recorder;
  /** Stops at the soft end: sleeps wake up, no new flow starts. */
  readonly soft: Sleeper;
  readonly flows: FlowCounts;
  readonly open: OpenModelCounts;
  activeUsers: number;
}

/** The share of `total` that generator `index` of `count` takes (spread evenly). */
export function shareOf(total: number, index: number, count: number): number {
  return Math.floor(total / count) + (index < total % count ? 1 : 0);
}

/** Flow context of the user (or arrival) with global number `n`. */
export function flowContext(rt: GeneratorRuntime, n: number, withThinkTime: boolean): FlowContext {
  const { run } = rt;
  const thinks = withThinkTime && run.thinkTimeMs > 0;
  const think = thinks ? (): Promise<void> => rt.soft.sleep(run.thinkTimeMs) : () => Promise.resolve();
  return {
    client: rt.client,
    email: accountEmail(run.accountPrefix, n % run.accounts),
    password: run.password,
    verifiesPerFlow: run.verifiesPerFlow,
    refreshProbability: run.refreshProbability,
    random: Math.random,
    think,
    thinks,
  };
}

/** Counts a finished flow (aborted flows are not counted: the tool stopped them). */
export function countFlow(rt: GeneratorRuntime, result: FlowResult): void {
  if (result.aborted) return;
  rt.flows.started++;
  if (result.ok) rt.flows.completed++;
  else rt.flows.failed++;
}
