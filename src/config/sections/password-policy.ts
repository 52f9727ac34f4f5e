/**
 * The password policy for new passwords: a minimum zxcvbn strength score
 * (`PASSWORD_POLICY`) and an optional breach check against a Have-I-Been-Pwned range
 * API (`PASSWORD_BREACH_CHECK`, `_URL`, `_TIMEOUT_MS`).
 */
import { int, oneOf, parsed, type Section } from '../declare.js';
import type { Reader } from '../reader.js';
import type { PasswordPolicyConfig, PasswordStrengthScore } from '../schema.js';

/** `off` (= `min-score:0`) or `min-score:N`, N from 0 to 4. */
const PASSWORD_POLICY = parsed<PasswordStrengthScore>({
  name: 'PASSWORD_POLICY',
  default: 3,
  show: (score) => `min-score:${score}`,
  meaning: 'strength of a new password: `min-score:N` (zxcvbn strength, N from 0 to 4) or `off`',
  details: '; see [api.md](api.md#password-policy)',
  example: 'min-score:3',
  parse: (value, issue, fallback) => {
    const v = value.toLowerCase();
    if (v === 'off') return 0;
    const m = /^min-score:([0-4])$/.exec(v);
    if (!m) {
      issue(`must be "off" or "min-score:N" with N from 0 to 4, got "${v}"`);
      return fallback;
    }
    return Number(m[1]) as PasswordStrengthScore;
  },
});

const PASSWORD_BREACH_CHECK = oneOf({
  name: 'PASSWORD_BREACH_CHECK',
  allowed: ['off', 'hibp'],
  default: 'off',
  meaning:
    '`hibp`: also refuse passwords a breach range API lists (only 5 hex chars of the SHA-1 are sent; fails open)',
  example: 'hibp',
});

/** An http(s) URL without credentials, ending in `/` (the 5-character prefix is appended). */
const PASSWORD_BREACH_CHECK_URL = parsed<string>({
  name: 'PASSWORD_BREACH_CHECK_URL',
  default: 'https://api.pwnedpasswords.com/range/',
  meaning: 'the Have-I-Been-Pwned range API, or a mirror that speaks it',
  details: '; the hash prefix is appended',
  parse: (value, issue, fallback) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      issue(`must be an http(s) URL, got "${value}"`);
      return fallback;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      issue(`must be an http(s) URL, got "${value}"`);
      return fallback;
    }
    if (url.username || url.password || url.search || url.hash) {
      issue('must not carry credentials, a query or a fragment');
      return fallback;
    }
    return url.href.endsWith('/') ? url.href : `${url.href}/`;
  },
});

const PASSWORD_BREACH_CHECK_TIMEOUT_MS = int({
  name: 'PASSWORD_BREACH_CHECK_TIMEOUT_MS',
  default: 2000,
  min: 50,
  max: 30_000,
  meaning: 'bound of one range request; past it (or on any error) the password is judged on strength alone',
});

export const PASSWORD_POLICY_SECTION: Section = {
  title: 'Password policy (new passwords: register, change, reset)',
  variables: [
    PASSWORD_POLICY,
    PASSWORD_BREACH_CHECK,
    PASSWORD_BREACH_CHECK_URL,
    PASSWORD_BREACH_CHECK_TIMEOUT_MS,
  ],
};

export function readPasswordPolicy(r: Reader): PasswordPolicyConfig {
  return {
    minScore: PASSWORD_POLICY.read(r),
    breachCheck: PASSWORD_BREACH_CHECK.read(r),
    breachCheckUrl: PASSWORD_BREACH_CHECK_URL.read(r),
    breachCheckTimeoutMs: PASSWORD_BREACH_CHECK_TIMEOUT_MS.read(r),
  };
}
