/**
 * Stand-in passkeys for emails without any: the same for the same email, different per
 * email and per server key, and spread over the shapes real authenticators give (id
 * length and transports), one or two per email.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { DECOY_SHAPES, decoyCredentials } from '../../src/flows/login/passkey-decoy.js';

describe('passkey stand-ins', () => {
  const key = randomBytes(32);

  it('are stable per email and key, and differ between emails and keys', () => {
    const a = decoyCredentials(key, 'ada@example.org');
    assert.deepEqual(decoyCredentials(key, 'ada@example.org'), a);
    assert.notDeepEqual(decoyCredentials(key, 'bob@example.org'), a);
    assert.notDeepEqual(decoyCredentials(randomBytes(32), 'ada@example.org'), a);
  });

  it('take every shape of a real authenticator, one or two per email, never one fixed shape', () => {
    const lengths = new Set<number>();
    const transports = new Set<string>();
    const counts = new Set<number>();
    for (let i = 0; i < 400; i++) {
      const offered = decoyCredentials(key, `user-${i}@example.org`);
      counts.add(offered.length);
      for (const c of offered) {
        const bytes = Buffer.from(c.credentialId, 'base64url');
        assert.equal(bytes.toString('base64url'), c.credentialId, 'base64url without padding');
        lengths.add(bytes.length);
        transports.add(String(c.transports));
        assert.ok(
          DECOY_SHAPES.some((s) => s.bytes === bytes.length && String(s.transports) === String(c.transports)),
        );
      }
    }
    assert.deepEqual([...counts].sort(), [1, 2]);
    assert.deepEqual(
      [...lengths].sort((x, y) => x - y),
      [16, 20, 32, 64],
    );
    assert.equal(transports.size, 3);
  });
});
