import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  AuthorizationDuplicateError,
  AuthorizationMalformedError,
  TokenMissingError,
  authorizationValues,
  tokenFromAuthorization,
  tokenFromRequest,
} from '../src/index.js';
import { tokenFromHeaderOrToken } from '../src/authorization.js';

const JWT = 'aaa.bbb.ccc';

describe('Authorization header parsing', () => {
  it('reads the token of "Bearer <token>", scheme in any case, extra spaces tolerated', () => {
    assert.equal(tokenFromAuthorization(`Bearer ${JWT}`), JWT);
    assert.equal(tokenFromAuthorization(`bearer ${JWT}`), JWT);
    assert.equal(tokenFromAuthorization(`BEARER   ${JWT}  `), JWT);
  });

  it('refuses a missing or empty header as a missing token', () => {
    assert.throws(() => tokenFromAuthorization(undefined), TokenMissingError);
    assert.throws(() => tokenFromAuthorization('   '), TokenMissingError);
  });

  it('refuses other schemes, a bare scheme and a token with spaces as malformed', () => {
    for (const bad of [`Basic ${JWT}`, 'Bearer', `Bearer ${JWT} extra`, `Token ${JWT}`, `Bearer\t${JWT}`]) {
      assert.throws(() => tokenFromAuthorization(bad), AuthorizationMalformedError, bad);
    }
  });

  it('verify() input: a header value or a bare token, but never another scheme', () => {
    assert.equal(tokenFromHeaderOrToken(`Bearer ${JWT}`), JWT);
    assert.equal(tokenFromHeaderOrToken(JWT), JWT);
    assert.throws(() => tokenFromHeaderOrToken(`Basic ${JWT}`), AuthorizationMalformedError);
    assert.throws(() => tokenFromHeaderOrToken(''), TokenMissingError);
  });

  it('finds every Authorization header in rawHeaders, whatever the case of its name', () => {
    const req = {
      rawHeaders: ['Host', 'x', 'authorization', 'Bearer a.b.c', 'AUTHORIZATION', 'Bearer d.e.f'],
    };
    assert.deepEqual(authorizationValues(req), ['Bearer a.b.c', 'Bearer d.e.f']);
    assert.throws(() => tokenFromRequest(req), AuthorizationDuplicateError);
  });

  it('reads a request with one header, or falls back to headers.authorization', () => {
    assert.equal(tokenFromRequest({ rawHeaders: ['Authorization', `Bearer ${JWT}`] }), JWT);
    assert.equal(tokenFromRequest({ headers: { authorization: `Bearer ${JWT}` } }), JWT);
    assert.throws(() => tokenFromRequest({ rawHeaders: ['Host', 'x'] }), TokenMissingError);
  });
});
