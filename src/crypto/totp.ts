/**
 * TOTP (RFC 6238) with the parameters every authenticator app understands: HMAC-SHA-1,
 * 30-second steps, 6 digits, secrets of 160 bits in base32. The HOTP computation, the
 * base32 coding and the `otpauth://` URI come from the `otpauth` library.
 *
 * Verification accepts the current step and one step either side (clock skew) and
 * returns the step that matched. A code is accepted once: the caller keeps the last
 * accepted step per account and passes it as `afterStep`, so a code of that step or an
 * earlier one never matches again (store the new step with a compare-and-set, e.g.
 * `UPDATE … SET totp_last_step = $step WHERE totp_last_step < $step`, so two workers
 * racing with the same code cannot both win). Every candidate is computed and compared
 * in constant time, whichever matches.
 */
import { timingSafeEqual } from 'node:crypto';
import { HOTP, Secret, TOTP } from 'otpauth';

export const TOTP_ALGORITHM = 'SHA1';
export const TOTP_DIGITS = 6;
export const TOTP_PERIOD_SECONDS = 30;
/** Steps accepted either side of the current one. */
export const TOTP_WINDOW = 1;
export const TOTP_SECRET_BYTES = 20;

/** A new random secret: 160 bits, base32 (RFC 4648, no padding, 32 characters). */
export function generateTotpSecret(): string {
  return new Secret({ size: TOTP_SECRET_BYTES }).base32;
}

function decodeSecret(secret: string): Secret {
  const decoded = Secret.fromBase32(secret);
  if (decoded.bytes.length < 16) throw new TypeError('a TOTP secret must have at least 128 bits');
  return decoded;
}

export interface TotpUriInput {
  /** base32 secret. */
  secret: string;
  /** Who issues the code, shown in the app (e.g. the product or company name). */
  issuer: string;
  /** Which account, shown in the app (usually the email address). */
  account: string;
}

/** `otpauth://totp/Issuer:account?issuer=…&secret=…&algorithm=SHA1&digits=6&period=30`, for a QR code. */
export function totpUri(input: TotpUriInput): string {
  return new TOTP({
    issuer: input.issuer,
    label: input.account,
    secret: decodeSecret(input.secret),
    algorithm: TOTP_ALGORITHM,
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
  }).toString();
}

/** The time step of an instant: floor(unix seconds / 30). */
export function totpStep(timeMs: number = Date.now()): number {
  return Math.floor(timeMs / 1000 / TOTP_PERIOD_SECONDS);
}

/** The code of a step (what the authenticator app shows during that step). */
export function totpCodeAtStep(secret: string, step: number): string {
  return HOTP.generate({
    secret: decodeSecret(secret),
    algorithm: TOTP_ALGORITHM,
    digits: TOTP_DIGITS,
    counter: step,
  });
}

/** The code at an instant (default: now). */
export function generateTotpCode(secret: string, timeMs: number = Date.now()): string {
  return totpCodeAtStep(secret, totpStep(timeMs));
}

/** Digits only, spaces and dashes removed ("123 456" is how apps display codes); null when not 6 digits. */
export function normaliseTotpCode(input: string): string | null {
  const code = input.replace(/[\s-]/g, '');
  return new RegExp(`^\\d{${TOTP_DIGITS}}$`).test(code) ? code : null;
}

export interface VerifyTotpInput {
  secret: string;
  code: string;
  /** Default: now. */
  timeMs?: number;
  /** The last step accepted for this account: it and earlier steps never match (replay). */
  afterStep?: number;
}

/** The matched step, or null. */
export function verifyTotp(input: VerifyTotpInput): { step: number } | null {
  const code = normaliseTotpCode(input.code);
  const secret = decodeSecret(input.secret);
  const presented = Buffer.from(code ?? '0'.repeat(TOTP_DIGITS), 'ascii');
  const current = totpStep(input.timeMs ?? Date.now());
  let matched: number | null = null;
  for (let step = current - TOTP_WINDOW; step <= current + TOTP_WINDOW; step++) {
    const expected = Buffer.from(
      HOTP.generate({ secret, algorithm: TOTP_ALGORITHM, digits: TOTP_DIGITS, counter: step }),
      'ascii',
    );
    const equal = timingSafeEqual(presented, expected);
    const fresh = input.afterStep === undefined || step > input.afterStep;
    // The highest matching step wins, so a replay window never reopens below it.
    if (equal && fresh) matched = step;
  }
  return code !== null && matched !== null ? { step: matched } : null;
}
