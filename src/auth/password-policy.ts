/**
 * What a new password must be, beyond its length (password-input.ts): hard to guess
 * (zxcvbn score at least `PASSWORD_POLICY`'s, with the account's email counted as known
 * to an attacker) and, when `PASSWORD_BREACH_CHECK=hibp`, absent from the breach corpus
 * of a Have-I-Been-Pwned range API. Built once per process from config; register,
 * password change and password reset all call the same `check`.
 *
 * The breach check fails open: when the API is slow, down or answers nonsense, the
 * password is judged on its strength alone, a warning is logged (with the reason only:
 * no password, no hash) and `onBreachCheckFailure` is told, so an outage of a third
 * party never stops people from registering.
 */
import type { PasswordPolicyConfig } from '../config/schema.js';
import { WeakPasswordError } from '../errors.js';
import {
  BreachCheckError,
  rangeApiChecker,
  type BreachCheckFailure,
  type BreachChecker,
} from './breach-check.js';
import {
  StrengthEstimator,
  type StrengthEstimatorOptions,
  type StrengthVerdict,
} from './password-strength.js';

export type { BreachCheckFailure };

/** What the policy knows of the account the password is for. */
export interface PasswordContext {
  /** The account's email, normalised (parseEmail). */
  email: string;
}

export interface PasswordPolicy {
  /**
   * Resolves when `password` may become the account's password. Throws
   * WeakPasswordError (400 `weak_password`) with the reason, or OverloadedError (503)
   * when the strength checks of this process are saturated.
   */
  check(password: string, context: PasswordContext): Promise<void>;
  /** Ends the strength thread and the breach API connections. Idempotent. */
  close(): Promise<void>;
}

/** The subset of a pino logger the policy uses. */
export interface WarnLog {
  warn(obj: object, msg: string): void;
}

export interface PasswordPolicyOptions {
  logger?: WarnLog;
  /**
   * Called once per breach check that could not answer (the password was accepted
   * without it). Suggested metric: `tollgate_password_breach_check_failures_total{reason}`.
   */
  onBreachCheckFailure?: (reason: BreachCheckFailure) => void;
  /** Bounds of the strength thread (tests). */
  strength?: StrengthEstimatorOptions;
  /** Replaces the range API client built from config (tests). */
  breachChecker?: BreachChecker;
}

/** Accepts every password (`PASSWORD_POLICY=off` without a breach check). */
export const noPasswordPolicy: PasswordPolicy = {
  check: () => Promise.resolve(),
  close: () => Promise.resolve(),
};

export const BREACHED_MESSAGE =
  'This password has appeared in a data breach, so it is among the first an attacker tries. Choose a different one.';

/** The refusal as a person should read it; zxcvbn's findings never quote the password. */
export function guessableMessage(verdict: StrengthVerdict): string {
  const parts = ['This password is too easy to guess.'];
  if (verdict.warning) parts.push(verdict.warning);
  parts.push(...verdict.suggestions);
  if (!verdict.warning && verdict.suggestions.length === 0) {
    parts.push('Make it longer, for example with a few unrelated words.');
  }
  return parts.join(' ');
}

/**
 * Words of the account an attacker knows: the email, its local part and domain, and
 * their pieces (`alice.smith2024@mail.example` gives `alice`, `smith`, `2024`, `mail`,
 * `example`, ...). zxcvbn rates a password made of them as trivially guessable.
 */
export function userInputsFor(email: string): string[] {
  const at = email.lastIndexOf('@');
  const local = at === -1 ? email : email.slice(0, at);
  const domain = at === -1 ? '' : email.slice(at + 1);
  const words = new Set<string>([email, local, domain]);
  for (const piece of `${local} ${domain}`.split(/[^\p{L}\p{N}]+/u)) {
    words.add(piece);
    for (const run of piece.match(/\p{L}+|\p{N}+/gu) ?? []) words.add(run);
  }
  return [...words].filter((w) => w.length >= 3);
}

export function createPasswordPolicy(
  config: PasswordPolicyConfig,
  options: PasswordPolicyOptions = {},
): PasswordPolicy {
  const strength = config.minScore > 0 ? new StrengthEstimator(options.strength) : undefined;
  const breach =
    config.breachCheck === 'hibp'
      ? (options.breachChecker ??
        rangeApiChecker({ url: config.breachCheckUrl, timeoutMs: config.breachCheckTimeoutMs }))
      : undefined;
  if (!strength && !breach) return noPasswordPolicy;

  async function isBreached(password: string): Promise<boolean> {
    try {
      return await breach!.isBreached(password);
    } catch (err) {
      if (!(err instanceof BreachCheckError)) throw err;
      options.logger?.warn(
        { reason: err.reason, detail: err.message },
        'password breach check failed; the password was judged on its strength alone',
      );
      options.onBreachCheckFailure?.(err.reason);
      return false;
    }
  }

  return {
    async check(password: string, context: PasswordContext): Promise<void> {
      const normal = password.normalize('NFC');
      if (strength) {
        const verdict = await strength.estimate(normal, userInputsFor(context.email));
        if (verdict.score < config.minScore)
          throw new WeakPasswordError(guessableMessage(verdict), 'guessable');
      }
      if (breach && (await isBreached(normal))) throw new WeakPasswordError(BREACHED_MESSAGE, 'breached');
    },
    async close(): Promise<void> {
      await Promise.all([strength?.close(), breach?.close()]);
    },
  };
}
