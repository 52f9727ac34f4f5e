/**
 * Named presets. The first five reproduce the old system's published runs: closed loop,
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

const oldReport = (users: number, rampUp: number, description: string): Preset => ({
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
  baseline: oldReport(500, 100, 'old "baseline" run: 500 users, closed loop, no think time'),
  stress: oldReport(1_000, 200, 'old "stress" run: 1,000 users (old: 649 req/s, p95 1,561 ms)'),
  ultimate: oldReport(2_000, 400, 'old "ultimate" run: 2,000 users (old: 326 req/s, p95 9,108 ms)'),
  '5k': oldReport(5_000, 1_000, '5,000 users (old target: p95 < 300 ms; old result p99 63 s)'),
  '10k': oldReport(10_000, 2_000, '10,000 users (old target: < 1 % failures, p95 < 500 ms)'),
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
