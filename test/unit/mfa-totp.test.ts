import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import {
  generateTotpCode,
  generateTotpSecret,
  normaliseTotpCode,
  totpCodeAtStep,
  totpStep,
  totpUri,
  verifyTotp,
} from '../../src/crypto/index.js';

// RFC 6238 Appendix B: the SHA-1 seed is the ASCII string "12345678901234567890".
const RFC_SECRET_ASCII = '12345678901234567890';
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const RFC_VECTORS: Array<[seconds: number, code: string]> = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

describe('TOTP', () => {
  it('the library reproduces the RFC 6238 Appendix B SHA-1 vectors (8 digits)', () => {
    assert.equal(Secret.fromLatin1(RFC_SECRET_ASCII).base32, RFC_SECRET);
    for (const [seconds, code] of RFC_VECTORS) {
      const got = TOTP.generate({
        secret: Secret.fromLatin1(RFC_SECRET_ASCII),
        algorithm: 'SHA1',
        digits: 8,
        period: 30,
        timestamp: seconds * 1000,
      });
      assert.equal(got, code, `T=${seconds}`);
    }
  });

  it('our 6-digit codes are the vectors truncated to 6 digits, and each verifies at its time', () => {
    for (const [seconds, code] of RFC_VECTORS) {
      const expected = code.slice(-6);
      assert.equal(generateTotpCode(RFC_SECRET, seconds * 1000), expected, `T=${seconds}`);
      assert.deepEqual(verifyTotp({ secret: RFC_SECRET, code: expected, timeMs: seconds * 1000 }), {
        step: Math.floor(seconds / 30),
      });
    }
  });

  it('makes 160-bit base32 secrets, different each time', () => {
    const a = generateTotpSecret();
    const b = generateTotpSecret();
    assert.match(a, /^[A-Z2-7]{32}$/);
    assert.equal(Secret.fromBase32(a).bytes.length, 20);
    assert.notEqual(a, b);
  });

  it('builds an otpauth:// URI with issuer, account label and the fixed parameters', () => {
    const secret = generateTotpSecret();
    const uri = new URL(totpUri({ secret, issuer: 'Example Co', account: 'ada@example.org' }));
    assert.equal(uri.protocol, 'otpauth:');
    assert.equal(uri.host, 'totp');
    assert.equal(decodeURIComponent(uri.pathname), '/Example Co:ada@example.org');
    assert.equal(uri.searchParams.get('issuer'), 'Example Co');
    assert.equal(uri.searchParams.get('secret'), secret);
    assert.equal(uri.searchParams.get('algorithm'), 'SHA1');
    assert.equal(uri.searchParams.get('digits'), '6');
    assert.equal(uri.searchParams.get('period'), '30');
  });

  it('accepts one step of skew either side, and returns the step that matched', () => {
    // A fixed secret and time keep this deterministic (no chance equality of far codes).
    const secret = RFC_SECRET;
    const now = 1_700_000_015_000;
    const step = totpStep(now);
    for (const offset of [-1, 0, 1]) {
      const code = totpCodeAtStep(secret, step + offset);
      assert.deepEqual(
        verifyTotp({ secret, code, timeMs: now }),
        { step: step + offset },
        `offset ${offset}`,
      );
    }
    for (const offset of [-3, -2, 2, 3]) {
      const code = totpCodeAtStep(secret, step + offset);
      assert.ok(![-1, 0, 1].some((o) => totpCodeAtStep(secret, step + o) === code), 'distinct codes');
      assert.equal(verifyTotp({ secret, code, timeMs: now }), null, `offset ${offset}`);
    }
  });

  it('refuses a code at or below the last accepted step (replay), accepts a later one', () => {
    const secret = generateTotpSecret();
    const now = 1_700_000_015_000;
    const step = totpStep(now);
    const current = totpCodeAtStep(secret, step);
    const accepted = verifyTotp({ secret, code: current, timeMs: now });
    assert.deepEqual(accepted, { step });
    // The same code again, within its window: refused.
    assert.equal(verifyTotp({ secret, code: current, timeMs: now, afterStep: accepted.step }), null);
    assert.equal(verifyTotp({ secret, code: current, timeMs: now + 30_000, afterStep: step }), null);
    // An older code that is still inside the skew window: refused too.
    const previous = totpCodeAtStep(secret, step - 1);
    assert.equal(verifyTotp({ secret, code: previous, timeMs: now, afterStep: step }), null);
    // The next step's code is fresh.
    const next = totpCodeAtStep(secret, step + 1);
    assert.deepEqual(verifyTotp({ secret, code: next, timeMs: now, afterStep: step }), { step: step + 1 });
  });

  it('normalises spaces and dashes, and refuses anything that is not six digits', () => {
    const secret = generateTotpSecret();
    const now = 1_700_000_015_000;
    const code = generateTotpCode(secret, now);
    assert.ok(verifyTotp({ secret, code: `${code.slice(0, 3)} ${code.slice(3)}`, timeMs: now }));
    assert.ok(verifyTotp({ secret, code: `${code.slice(0, 3)}-${code.slice(3)}\n`, timeMs: now }));
    assert.equal(normaliseTotpCode('12345'), null);
    assert.equal(normaliseTotpCode('1234567'), null);
    assert.equal(normaliseTotpCode('12a456'), null);
    assert.equal(normaliseTotpCode('١٢٣٤٥٦'), null, 'non-ASCII digits');
    assert.equal(verifyTotp({ secret, code: '', timeMs: now }), null);
    assert.equal(verifyTotp({ secret, code: `${code}0`, timeMs: now }), null);
  });

  it('a code for one secret does not verify under another', () => {
    const a = RFC_SECRET;
    const b = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
    const now = 1_700_000_015_000;
    const code = generateTotpCode(a, now);
    assert.ok(![-1, 0, 1].some((o) => totpCodeAtStep(b, totpStep(now) + o) === code), 'distinct codes');
    assert.equal(verifyTotp({ secret: b, code, timeMs: now }), null);
    assert.ok(verifyTotp({ secret: a, code, timeMs: now }));
  });
});
