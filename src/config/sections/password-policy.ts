/**
 * The password policy for new passwords: a minimum zxcvbn strength score
 * (`PASSWORD_POLICY`) and an optional breach check against a Have-I-Been-Pwned range
 * API (`PASSWORD_BREACH_CHECK`, `_URL`, `_TIMEOUT_MS`).
 */
import type { Reader } from '../reader.js';
import type { PasswordPolicyConfig, PasswordStrengthScore } from '../schema.js';

export const DEFAULT_MIN_SCORE: PasswordStrengthScore = 3;
export const DEFAULT_BREACH_CHECK_URL = 'https://api.pwnedpasswords.com/range/';

/** `off` (= `min-score:0`) or `min-score:N`, N from 0 to 4. */
function readMinScore(r: Reader): PasswordStrengthScore {
  const v = r.raw('PASSWORD_POLICY')?.toLowerCase();
  if (v === undefined) return DEFAULT_MIN_SCORE;
  if (v === 'off') return 0;
  const m = /^min-score:([0-4])$/.exec(v);
  if (!m) {
    r.issue('PASSWORD_POLICY', `must be "off" or "min-score:N" with N from 0 to 4, got "${v}"`);
    return DEFAULT_MIN_SCORE;
  }
  return Number(m[1]) as PasswordStrengthScore;
}

/** An http(s) URL without credentials, ending in `/` (the 5-character prefix is appended). */
function readRangeUrl(r: Reader): string {
  const name = 'PASSWORD_BREACH_CHECK_URL';
  const v = r.string('PASSWORD_BREACH_CHECK_URL', DEFAULT_BREACH_CHECK_URL);
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    r.issue(name, `must be an http(s) URL, got "${v}"`);
    return DEFAULT_BREACH_CHECK_URL;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    r.issue(name, `must be an http(s) URL, got "${v}"`);
    return DEFAULT_BREACH_CHECK_URL;
  }
  if (url.username || url.password || url.search || url.hash) {
    r.issue(name, 'must not carry credentials, a query or a fragment');
    return DEFAULT_BREACH_CHECK_URL;
  }
  return url.href.endsWith('/') ? url.href : `${url.href}/`;
}

export function readPasswordPolicy(r: Reader): PasswordPolicyConfig {
  return {
    minScore: readMinScore(r),
    breachCheck: r.oneOf('PASSWORD_BREACH_CHECK', ['off', 'hibp'] as const, 'off'),
    breachCheckUrl: readRangeUrl(r),
    breachCheckTimeoutMs: r.int('PASSWORD_BREACH_CHECK_TIMEOUT_MS', 2000, 50, 30_000),
  };
}
