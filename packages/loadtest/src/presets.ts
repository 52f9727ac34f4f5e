/**
 * Named presets. The first five are the reference runs with published figures: closed loop,
 * the auth flow (login -> verify -> logout), no think time.
 */
import type { ModelName, ScenarioName } from './types.js';

export interface Preset {
  description: string;
  scenario: ScenarioName;
  model: ModelName;
  users: number;
  rampUp: number;
  thinkTimeMs: number;
  durationS: number;
  verifiesPerFlow: number;
  refreshProbability: number;
  /** Watch memory (generator RSS always; the target with --target-pid or /health). */
  watchMemory: boolean;
}

const referenceRun = (users: number, rampUp: number, description: string): Preset => ({
  description,
  scenario: 'auth-flow',
  model: 'closed',
  users,
  rampUp,
  thinkTimeMs: 0,
  durationS: 60,
  verifiesPerFlow: 1,
  refreshProbability: 0.1,
  watchMemory: false,
});

export const PRESETS: Readonly<Record<string, Preset>> = {
  baseline: referenceRun(500, 100, 'reference "baseline" run: 500 users, closed loop, no think time'),
  stress: referenceRun(
    1_000,
    200,
    'reference "stress" run: 1,000 users (published: 649 req/s, p95 1,561 ms)',
  ),
  ultimate: referenceRun(
    2_000,
    400,
    'reference "ultimate" run: 2,000 users (published: 326 req/s, p95 9,108 ms)',
  ),
  '5k': referenceRun(5_000, 1_000, '5,000 users (reference target: p95 < 300 ms; published p99 63 s)'),
  '10k': referenceRun(10_000, 2_000, '10,000 users (reference target: < 1 % failures, p95 < 500 ms)'),
  soak: {
    description: 'long run at a lower rate with memory watched',
    scenario: 'auth-flow',
    model: 'closed',
    users: 200,
    rampUp: 50,
    thinkTimeMs: 500,
    durationS: 1_800,
    verifiesPerFlow: 5,
    refreshProbability: 0.2,
    watchMemory: true,
  },
};

export function presetNames(): string[] {
  return Object.keys(PRESETS);
}

export function getPreset(name: string): Preset {
  const preset = PRESETS[name];
  if (!preset) throw new Error(`--preset: unknown preset "${name}" (known: ${presetNames().join(', ')})`);
  return preset;
}
