/**
 * What a password is, as input: Unicode text in NFC (so the same characters typed on
 * different systems give the same password), its length counted in code points (what a
 * person counts, not UTF-16 units), and never ill-formed (a lone surrogate cannot be
 * encoded, so two different inputs would hash alike).
 */
import { InvalidRequestError } from '../errors.js';
import type { Config } from '../config/schema.js';

type LengthRules = Pick<Config, 'passwordMinLength' | 'passwordMaxLength'>;

/** NFC, the form every password is hashed and checked in. */
export function normalisePassword(password: string): string {
  return password.normalize('NFC');
}

/** Length in code points. */
export function passwordLength(password: string): number {
  let n = 0;
  for (const _ of password) n++;
  return n;
}

/** For a new password: 400 unless well-formed and within the length rules. */
export function checkNewPassword(rules: LengthRules, password: string): void {
  if (!password.isWellFormed()) {
    throw new InvalidRequestError('password must be valid Unicode text (no lone surrogates)');
  }
  const n = passwordLength(normalisePassword(password));
  if (n < rules.passwordMinLength || n > rules.passwordMaxLength) {
    throw new InvalidRequestError(
      `password must be ${rules.passwordMinLength} to ${rules.passwordMaxLength} characters`,
    );
  }
}

/** For a login: could this be anyone's password? (If not, it is simply wrong.) */
export function isAcceptablePassword(rules: LengthRules, password: string): boolean {
  return password.isWellFormed() && passwordLength(password) <= rules.passwordMaxLength;
}
