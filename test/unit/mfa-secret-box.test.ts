import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { SecretBox, parseSecretsKey, secretsKeyId } from '../../src/crypto/index.js';
import { ConfigError, SecretDecryptError, TollgateError } from '../../src/errors.js';

const CONTEXT = 'totp:7f6c1d2e';
const PLAINTEXT = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

function isDecryptError(reason: SecretDecryptError['reason']) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof SecretDecryptError, `a SecretDecryptError, got ${String(err)}`);
    assert.equal(err.reason, reason);
    return true;
  };
}

/** The same value with one base64url character of part `index` changed. */
function flip(sealed: string, index: number, position: number): string {
  const parts = sealed.split('.');
  const part = parts[index]!;
  const ch = part[position]!;
  parts[index] = part.slice(0, position) + (ch === 'A' ? 'B' : 'A') + part.slice(position + 1);
  return parts.join('.');
}

describe('SecretBox (AES-256-GCM)', () => {
  it('seals and opens; the sealed form names the version and the key, and hides the secret', () => {
    const key = randomBytes(32);
    const box = new SecretBox({ current: key });
    const sealed = box.seal(PLAINTEXT, CONTEXT);
    const [version, id, nonce, body] = sealed.split('.');
    assert.equal(version, 'v1');
    assert.equal(id, secretsKeyId(key));
    assert.equal(Buffer.from(nonce!, 'base64url').length, 12);
    assert.equal(Buffer.from(body!, 'base64url').length, PLAINTEXT.length + 16);
    assert.ok(!sealed.includes(PLAINTEXT));
    assert.equal(box.open(sealed, CONTEXT), PLAINTEXT);
  });

  it('uses a fresh nonce for every seal', () => {
    const box = new SecretBox({ current: randomBytes(32) });
    const a = box.seal(PLAINTEXT, CONTEXT);
    const b = box.seal(PLAINTEXT, CONTEXT);
    assert.notEqual(a.split('.')[2], b.split('.')[2]);
    assert.notEqual(a, b);
  });

  it('refuses a value sealed for another context (another record)', () => {
    const box = new SecretBox({ current: randomBytes(32) });
    const sealed = box.seal(PLAINTEXT, 'totp:user-a');
    assert.throws(() => box.open(sealed, 'totp:user-b'), isDecryptError('tampered'));
  });

  it('refuses any altered byte of the nonce, the ciphertext or the tag', () => {
    const box = new SecretBox({ current: randomBytes(32) });
    const sealed = box.seal(PLAINTEXT, CONTEXT);
    const body = sealed.split('.')[3]!;
    assert.throws(() => box.open(flip(sealed, 2, 0), CONTEXT), isDecryptError('tampered'));
    assert.throws(() => box.open(flip(sealed, 3, 0), CONTEXT), isDecryptError('tampered'));
    assert.throws(() => box.open(flip(sealed, 3, body.length - 2), CONTEXT), isDecryptError('tampered'));
    const truncated = sealed.slice(0, -4);
    assert.throws(() => box.open(truncated, CONTEXT), isDecryptError('tampered'));
  });

  it('a wrong key: a value under an unknown key id does not open; a forged key id fails authentication', () => {
    const k1 = randomBytes(32);
    const k2 = randomBytes(32);
    const sealed = new SecretBox({ current: k1 }).seal(PLAINTEXT, CONTEXT);
    assert.throws(() => new SecretBox({ current: k2 }).open(sealed, CONTEXT), isDecryptError('unknown_key'));
    const forged = sealed.replace(secretsKeyId(k1), secretsKeyId(k2));
    assert.throws(() => new SecretBox({ current: k2 }).open(forged, CONTEXT), isDecryptError('tampered'));
  });

  it('refuses malformed values with a typed error', () => {
    const box = new SecretBox({ current: randomBytes(32) });
    for (const bad of [
      '',
      'v1',
      'v2.0123456789abcdef.AAAA.AAAA',
      'v1.xyz.AAAA.AAAA',
      'v1.0123456789abcdef.!!.AAAA',
    ]) {
      assert.throws(() => box.open(bad, CONTEXT), isDecryptError('malformed'), bad);
    }
    const sealed = box.seal(PLAINTEXT, CONTEXT);
    const shortNonce = sealed
      .split('.')
      .map((p, i) => (i === 2 ? 'AAAA' : p))
      .join('.');
    assert.throws(() => box.open(shortNonce, CONTEXT), isDecryptError('malformed'));
  });

  it('the error is a 500 of the catalogue that says nothing of the secret', () => {
    const box = new SecretBox({ current: randomBytes(32) });
    try {
      box.open(box.seal(PLAINTEXT, 'a'), 'b');
      assert.fail('should throw');
    } catch (err) {
      assert.ok(err instanceof TollgateError);
      assert.equal(err.statusCode, 500);
      assert.equal(err.code, 'secret_unreadable');
      assert.ok(!err.message.includes(PLAINTEXT));
    }
  });

  it('rotates: previous keys still open, new seals use the current key, reseal moves old values', () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const before = new SecretBox({ current: oldKey }).seal(PLAINTEXT, CONTEXT);

    const rotating = new SecretBox({ current: newKey, previous: [oldKey] });
    assert.equal(rotating.currentKeyId, secretsKeyId(newKey));
    assert.equal(rotating.open(before, CONTEXT), PLAINTEXT);
    assert.equal(rotating.needsReseal(before), true);
    const fresh = rotating.seal(PLAINTEXT, CONTEXT);
    assert.equal(fresh.split('.')[1], secretsKeyId(newKey));
    assert.equal(rotating.needsReseal(fresh), false);

    const moved = rotating.reseal(before, CONTEXT);
    assert.equal(rotating.needsReseal(moved), false);
    const afterRotation = new SecretBox({ current: newKey });
    assert.equal(afterRotation.open(moved, CONTEXT), PLAINTEXT);
    assert.throws(() => afterRotation.open(before, CONTEXT), isDecryptError('unknown_key'));
  });
});

describe('parseSecretsKey', () => {
  const key = randomBytes(32);

  it('reads hex, base64 and base64url, ignoring surrounding whitespace (key files end in a newline)', () => {
    assert.deepEqual(parseSecretsKey(key.toString('hex')), key);
    assert.deepEqual(parseSecretsKey(key.toString('hex').toUpperCase()), key);
    assert.deepEqual(parseSecretsKey(key.toString('base64')), key);
    assert.deepEqual(parseSecretsKey(key.toString('base64').replace(/=$/, '')), key);
    assert.deepEqual(parseSecretsKey(key.toString('base64url')), key);
    assert.deepEqual(parseSecretsKey(`  ${key.toString('base64')}\n`), key);
  });

  it('refuses anything but 32 bytes, naming the variable and never echoing the value', () => {
    const bad = [
      '',
      'secret',
      randomBytes(16).toString('hex'),
      randomBytes(31).toString('base64'),
      randomBytes(33).toString('hex'),
      randomBytes(48).toString('base64'),
    ];
    for (const value of bad) {
      assert.throws(
        () => parseSecretsKey(value, 'SECRETS_KEY_PREVIOUS'),
        (err: unknown) =>
          err instanceof ConfigError &&
          err.variable === 'SECRETS_KEY_PREVIOUS' &&
          (value === '' || !err.message.includes(value)),
      );
    }
  });
});
