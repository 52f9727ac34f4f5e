import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VerifiedTokenCache } from '../../src/auth/verified-token-cache.js';

const claims = (exp: number) => ({
  sub: 'u',
  sid: 's',
  email: 'e',
  jti: 'j',
  iat: exp - 900,
  exp,
  iss: 'i',
  roles: [],
  email_verified: false,
  auth_time: 0,
  amr: [],
  aud: 'a',
});

describe('VerifiedTokenCache', () => {
  it('returns verified claims until the token expires', () => {
    let now = 1000;
    const c = new VerifiedTokenCache(10, () => now);
    c.set('t', claims(1010));
    assert.equal(c.get('t')?.sid, 's');
    now = 1010;
    assert.equal(c.get('t'), undefined);
    assert.equal(c.size, 0);
  });

  it('stays bounded, evicting the oldest entry first', () => {
    const c = new VerifiedTokenCache(2, () => 0);
    c.set('a', claims(10));
    c.set('b', claims(10));
    c.set('c', claims(10));
    assert.equal(c.size, 2);
    assert.equal(c.get('a'), undefined);
    assert.ok(c.get('b') && c.get('c'));
  });
});
