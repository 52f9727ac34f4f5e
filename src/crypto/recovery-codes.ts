/**
 * Recovery codes: ten per account, shown once, stored hashed, each accepted once.
 *
 * A code is 80 random bits written as 16 characters of Crockford's base32 in four groups
 * (`7k3m-q9x2-…`): no I, L, O or U to misread, and input is forgiving (case, spaces,
 * dashes ignored; I and L read as 1, O as 0).
 *
 * Stored as `rc1$<salt>$<HMAC-SHA-256(salt, code)>` with a random 128-bit salt per code.
 * A fast hash is enough because the code is not a password: at 80 bits of entropy an
 * offline search of a single hash costs ~2^79 HMACs, out of reach, and the per-code salt
 * means a stolen table cannot be attacked all at once. A slow hash (argon2) would add
 * nothing against guessing at that entropy, and would cost a login that tries ten codes
 * ten memory-hard hashes, which an attacker could trigger at will.
 *
 * Verification hashes the input against every stored code and compares each in constant
 * time, without stopping at a match; it returns the index of the match so the caller can
 * remove that code (atomically, so two requests cannot both spend it).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const RECOVERY_CODE_COUNT = 10;
const CODE_BYTES = 10; // 80 bits = 16 base32 characters
const SALT_BYTES = 16;
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const PREFIX = 'rc1';

function encode(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(value >>> bits) & 31];
    }
  }
  return out;
}

/** One code as shown to the person: lower case, four groups of four. */
function format(code: string): string {
  return code.toLowerCase().replace(/(.{4})(?=.)/g, '$1-');
}

/** Canonical form of what someone typed (16 upper-case characters), or null if it cannot be a code. */
export function normaliseRecoveryCode(input: string): string | null {
  const code = input
    .toUpperCase()
    .replace(/[\s\-_]/g, '')
    .replace(/[IL]/g, '1')
    .replace(/O/g, '0');
  if (code.length !== 16) return null;
  for (const ch of code) if (!ALPHABET.includes(ch)) return null;
  return code;
}

function digest(salt: Buffer, canonical: string): Buffer {
  return createHmac('sha256', salt).update(canonical, 'ascii').digest();
}

/** The stored form of one code. */
export function hashRecoveryCode(code: string): string {
  const canonical = normaliseRecoveryCode(code);
  if (!canonical) throw new TypeError('not a recovery code');
  const salt = randomBytes(SALT_BYTES);
  return `${PREFIX}$${salt.toString('base64url')}$${digest(salt, canonical).toString('base64url')}`;
}

/** New codes: `codes` to show once, `hashes` to store (same order). */
export function generateRecoveryCodes(count: number = RECOVERY_CODE_COUNT): {
  codes: string[];
  hashes: string[];
} {
  const codes = Array.from({ length: count }, () => format(encode(randomBytes(CODE_BYTES))));
  return { codes, hashes: codes.map(hashRecoveryCode) };
}

/** Index in `hashes` of the code `input` matches, or -1. Malformed stored entries never match. */
export function verifyRecoveryCode(input: string, hashes: readonly string[]): number {
  const normalised = normaliseRecoveryCode(input);
  // A malformed input still goes through every comparison: the time says nothing.
  const canonical = normalised ?? '0'.repeat(16);
  let found = -1;
  hashes.forEach((stored, index) => {
    const [prefix, saltText, hashText] = stored.split('$');
    if (prefix !== PREFIX || !saltText || !hashText) return;
    const expected = Buffer.from(hashText, 'base64url');
    const actual = digest(Buffer.from(saltText, 'base64url'), canonical);
    if (expected.length === actual.length && timingSafeEqual(expected, actual) && found === -1) found = index;
  });
  return normalised === null ? -1 : found;
}
