import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  RECOVERY_CODE_COUNT,
  generateRecoveryCodes,
  hashRecoveryCode,
  normaliseRecoveryCode,
  verifyRecoveryCode,
} from '../../src/crypto/index.js';

const FORMAT = /^[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}$/;

describe('recovery codes', () => {
  it('makes ten distinct codes of 16 base32 characters in four groups, with their hashes', () => {
    const { codes, hashes } = generateRecoveryCodes();
    assert.equal(RECOVERY_CODE_COUNT, 10);
    assert.equal(codes.length, 10);
    assert.equal(hashes.length, 10);
    assert.equal(new Set(codes).size, 10);
    for (const code of codes) assert.match(code, FORMAT);
    for (const [i, hash] of hashes.entries()) {
      assert.match(hash, /^rc1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
      assert.ok(!hash.toLowerCase().includes(codes[i]!.replace(/-/g, '')));
    }
  });

  it('spreads over the whole alphabet (80 random bits per code)', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++)
      for (const code of generateRecoveryCodes().codes) for (const c of code) seen.add(c);
    seen.delete('-');
    assert.equal(seen.size, 32);
  });

  it('verifies each code to its own index, once per stored hash', () => {
    const { codes, hashes } = generateRecoveryCodes();
    codes.forEach((code, i) => assert.equal(verifyRecoveryCode(code, hashes), i));
    // Spent: the caller removes the hash; the code then matches nothing.
    const remaining = hashes.filter((_, i) => i !== 3);
    assert.equal(verifyRecoveryCode(codes[3]!, remaining), -1);
  });

  it('salts every hash: the same code hashes differently each time and both verify', () => {
    const a = hashRecoveryCode('0123-4567-89ab-cdef');
    const b = hashRecoveryCode('0123-4567-89ab-cdef');
    assert.notEqual(a, b);
    assert.equal(verifyRecoveryCode('0123-4567-89ab-cdef', [a]), 0);
    assert.equal(verifyRecoveryCode('0123-4567-89ab-cdef', [b]), 0);
  });

  it('accepts what a person types: case, spaces, dashes, and I/L/O for 1/0', () => {
    const hashes = [hashRecoveryCode('0123-4567-89ab-cdef')];
    for (const typed of [
      '0123-4567-89AB-CDEF',
      '0123456789abcdef',
      ' 0123 4567 89ab cdef ',
      'O123-4567-89ab-cdef',
      'o123-4567-89ab-cdef',
      '0I23-4567-89ab-cdef',
      '0l23-4567-89ab-cdef',
      '0123_4567_89ab_cdef',
    ]) {
      assert.equal(verifyRecoveryCode(typed, hashes), 0, typed);
    }
    assert.equal(normaliseRecoveryCode('o123-4567-89ab-cdef'), '0123456789ABCDEF');
  });

  it('refuses wrong, malformed or empty input, and ignores malformed stored entries', () => {
    const { codes, hashes } = generateRecoveryCodes();
    assert.equal(verifyRecoveryCode('0000-0000-0000-0000', hashes), -1);
    assert.equal(verifyRecoveryCode(codes[0]!.slice(0, -1), hashes), -1);
    assert.equal(verifyRecoveryCode(`${codes[0]!}0`, hashes), -1);
    assert.equal(verifyRecoveryCode('uuuu-uuuu-uuuu-uuuu', hashes), -1, 'U is not in the alphabet');
    assert.equal(verifyRecoveryCode('', hashes), -1);
    assert.equal(verifyRecoveryCode(codes[0]!, []), -1);
    assert.equal(
      verifyRecoveryCode(codes[0]!, ['garbage', 'rc1$$', `rc2$${hashes[0]!.slice(4)}`, hashes[0]!]),
      3,
    );
    assert.equal(normaliseRecoveryCode('123456789012345'), null);
    assert.throws(() => hashRecoveryCode('not a code'), TypeError);
  });
});
