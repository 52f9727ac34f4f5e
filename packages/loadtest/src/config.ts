/** Turns CLI options (strings) and a preset into a validated RunConfig. */
import { availableParallelism } from 'node:os';
import { randomBytes } from 'node:crypto';
import { getPreset, type Preset } from './presets.js';
import { checkTarget, DEFAULT_URL } from './target.js';
import { MODELS, SCENARIOS, type ModelName, type RunConfig, type ScenarioName } from './types.js';

/** Raw options as commander hands them over (all optional strings / booleans). */
export interface LoadtestOptions {
  url?: string;
  allowRemote?: boolean;
  scenario?: string;
  model?: string;
  preset?: string;
  users?: string;
  rampUp?: string;
  thinkTime?: string;
  duration?: string;
  iterations?: string;
  rate?: string;
  maxInFlight?: string;
  generators?: string;
  verifiesPerFlow?: string;
  refreshProbability?: string;
  accounts?: string;
  accountPrefix?: string;
  skipSetup?: boolean;
  password?: string;
  setupConcurrency?: string;
  timeout?: string;
  grace?: string;
  maxDuration?: string;
  connections?: string;
  targetPid?: string;
  quiet?: boolean;
}

export const DEFAULT_PASSWORD = 'LoadTest-Passw0rd!';
/** No run may exceed a day, whatever it is asked. */
export const ABSOLUTE_MAX_DURATION_S = 86_400;
const MAX_USERS = 100_000;

function num(name: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new Error(`--${name}: expected a number in [${min}, ${max}], got "${raw}"`);
  }
  return value;
}

function int(name: string, raw: string | undefined, min: number, max: number): number | undefined {
  const value = num(name, raw, min, max);
  if (value !== undefined && !Number.isInteger(value)) {
    throw new Error(`--${name}: expected an integer, got "${raw}"`);
  }
  return value;
}

function oneOf<T extends string>(
  name: string,
  raw: string | undefined,
  allowed: readonly T[],
): T | undefined {
  if (raw === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new Error(`--${name}: expected one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

/** Generators when not given: one per 2,000 users, at most one per core, 1..8. */
export function autoGenerators(users: number, cores = availableParallelism()): number {
  return Math.max(1, Math.min(8, cores, Math.ceil(users / 2_000)));
}

export function uniquePrefix(): string {
  return `lt-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

export function resolveRunConfig(opts: LoadtestOptions): RunConfig {
  const preset: Preset | undefined = opts.preset ? getPreset(opts.preset) : undefined;
  const allowRemote = opts.allowRemote === true;
  const url = checkTarget(opts.url ?? DEFAULT_URL, allowRemote);
  const rate = num('rate', opts.rate, 0.001, 1_000_000);
  const model: ModelName =
    oneOf('model', opts.model, MODELS) ?? (rate !== undefined ? 'open' : (preset?.model ?? 'closed'));
  if (model === 'open' && rate === undefined) throw new Error('--model open needs --rate <per second>');
  const scenario: ScenarioName =
    oneOf('scenario', opts.scenario, SCENARIOS) ?? preset?.scenario ?? 'auth-flow';
  const users = int('users', opts.users, 1, MAX_USERS) ?? preset?.users ?? (model === 'open' ? 50 : 100);
  const iterations = int('iterations', opts.iterations, 1, 10_000_000);
  let durationS = num('duration', opts.duration, 0.1, ABSOLUTE_MAX_DURATION_S);
  if (durationS === undefined && iterations === undefined) durationS = preset?.durationS ?? 30;
  if (model === 'open' && durationS === undefined) {
    throw new Error('--model open is bounded by --duration (not --iterations)');
  }
  const maxDurationDefault = Math.min(
    ABSOLUTE_MAX_DURATION_S,
    durationS !== undefined ? durationS + 120 : 600,
  );
  const maxDurationS =
    num('max-duration', opts.maxDuration, 1, ABSOLUTE_MAX_DURATION_S) ?? maxDurationDefault;
  const timeoutMs = int('timeout', opts.timeout, 1, 600_000) ?? 30_000;
  const accounts = int('accounts', opts.accounts, 1, MAX_USERS) ?? users;
  const generators = int('generators', opts.generators, 1, 64) ?? autoGenerators(users);
  const targetPid = int('target-pid', opts.targetPid, 1, 2 ** 31);
  const password = opts.password ?? DEFAULT_PASSWORD;
  if (password.length < 8) throw new Error('--password: at least 8 characters');
  const prefix = opts.accountPrefix;
  if (prefix !== undefined && !/^[a-z0-9][a-z0-9._-]{0,40}$/i.test(prefix)) {
    throw new Error('--account-prefix: letters, digits, ".", "_" and "-" only (max 41)');
  }
  if (opts.skipSetup && prefix === undefined) {
    throw new Error('--skip-setup needs --account-prefix (the accounts must already exist)');
  }
  return {
    url,
    allowRemote,
    scenario,
    model,
    preset: opts.preset,
    users,
    rampUp: num('ramp-up', opts.rampUp, 0, 1_000_000) ?? preset?.rampUp ?? 0,
    thinkTimeMs: num('think-time', opts.thinkTime, 0, 600_000) ?? preset?.thinkTimeMs ?? 0,
    durationS,
    iterations,
    rate,
    maxInFlight: int('max-in-flight', opts.maxInFlight, 1, MAX_USERS) ?? 1_000,
    generators,
    verifiesPerFlow:
      int('verifies-per-flow', opts.verifiesPerFlow, 0, 10_000) ?? preset?.verifiesPerFlow ?? 3,
    refreshProbability:
      num('refresh-probability', opts.refreshProbability, 0, 1) ?? preset?.refreshProbability ?? 0.1,
    // A closed run uses at most one account per user; with a fixed prefix more may be
    // registered on purpose (for later runs with more users).
    accounts: model === 'closed' && prefix === undefined ? Math.min(accounts, users) : accounts,
    accountPrefix: prefix ?? uniquePrefix(),
    fixedPrefix: prefix !== undefined,
    skipSetup: opts.skipSetup === true,
    password,
    setupConcurrency: int('setup-concurrency', opts.setupConcurrency, 1, 256) ?? 16,
    timeoutMs,
    graceMs: int('grace', opts.grace, 0, 600_000) ?? Math.min(timeoutMs + 1_000, 31_000),
    maxDurationS,
    connections: int('connections', opts.connections, 0, MAX_USERS) ?? 0,
    targetPid,
    quiet: opts.quiet === true,
  };
}

/** The account a virtual user logs in with. */
export function accountEmail(prefix: string, index: number): string {
  return `${prefix}-${index}@loadtest.example.com`;
}
