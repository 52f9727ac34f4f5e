import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseEmail } from '../../src/auth/email.js';

describe('email addresses', () => {
  it('normalise case, surrounding space and IDN spellings to one form', () => {
    assert.equal(parseEmail('  Alice@Example.COM '), 'alice@example.com');
    const forms = [
      'ada@bücher.example',
      'ada@BÜCHER.example',
      'ada@xn--bcher-kva.example',
      'Ada@ｂüｃher.example',
    ];
    assert.deepEqual(
      forms.map((f) => parseEmail(f)),
      forms.map(() => 'ada@bücher.example'),
    );
    assert.equal(parseEmail("o'neil+tag@sub.example.co.uk"), "o'neil+tag@sub.example.co.uk");
  });

  it('refuse control, zero-width, bidi and separator characters anywhere', () => {
    for (const bad of [
      'a\u0000b@example.com',
      'ab@exa\u0007mple.com',
      'a\u200bb@example.com',
      'ab@exa\u200bmple.com',
      'ab@example.com\u200d',
      '\u202eab@example.com',
      'ab\u200f@example.com',
      'a\u2028b@example.com',
      'a b@example.com',
      'ab@exam ple.com',
      'a\u00adb@example.com',
    ]) {
      assert.equal(parseEmail(bad), null, JSON.stringify(bad));
    }
  });

  it('refuse lookalike (non-ASCII) local parts and malformed addresses', () => {
    for (const bad of [
      'аlice@example.com', // Cyrillic а
      'ａlice@example.com', // fullwidth
      'alice@example',
      'alice@@example.com',
      'al@ice@example.com',
      '@example.com',
      'alice@',
      'alice.@example.com',
      '.alice@example.com',
      'al..ice@example.com',
      'alice@example..com',
      'alice@-example.com',
      'alice@example-.com',
      'alice@example.123',
      `${'a'.repeat(65)}@example.com`,
      `a@${'b'.repeat(64)}.com`,
      `a@${'b.'.repeat(130)}com`,
      '',
    ]) {
      assert.equal(parseEmail(bad), null, JSON.stringify(bad));
    }
  });
});
