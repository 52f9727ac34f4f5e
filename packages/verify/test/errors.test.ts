import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  AuthorizationDuplicateError,
  IntrospectionUnavailableError,
  InvalidTokenError,
  JwksUnavailableError,
  SessionEndedError,
  SessionStoreUnavailableError,
  TokenClaimError,
  TokenExpiredError,
  UnavailableError,
  VerifyError,
  isVerifyError,
} from '../src/index.js';

describe('errors', () => {
  it("401s carry tollgate's body and Bearer challenge", () => {
    const err = new SessionEndedError();
    assert.ok(err instanceof InvalidTokenError && err instanceof VerifyError && isVerifyError(err));
    assert.equal(err.name, 'SessionEndedError');
    assert.equal(err.code, 'ERR_SESSION_ENDED');
    assert.deepEqual(err.toResponse(), {
      statusCode: 401,
      headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
      body: { error: 'invalid_token', message: 'The session of this access token has ended' },
    });
  });

  it('each cause has its own stable code', () => {
    const codes = [
      new TokenExpiredError().code,
      new TokenClaimError('aud').code,
      new SessionEndedError().code,
      new AuthorizationDuplicateError().code,
      new JwksUnavailableError('timeout').code,
      new IntrospectionUnavailableError('error').code,
      new SessionStoreUnavailableError('timeout').code,
    ];
    assert.equal(new Set(codes).size, codes.length);
    for (const c of codes) assert.match(c, /^ERR_[A-Z_]+$/);
  });

  it('a claim error names the claim, and typ gets its own wording', () => {
    assert.equal(new TokenClaimError('aud').claim, 'aud');
    assert.match(new TokenClaimError('aud').message, /"aud"/);
    assert.match(new TokenClaimError('typ').message, /at\+jwt/);
  });

  it('a duplicate Authorization header is a 400 invalid_request', () => {
    const r = new AuthorizationDuplicateError().toResponse();
    assert.equal(r.statusCode, 400);
    assert.equal(r.body.error, 'invalid_request');
  });

  it('503s say unavailable with Retry-After, and keep the reason and cause for logs only', () => {
    const cause = new Error('connect ECONNREFUSED 10.0.0.1:6379');
    const err = new SessionStoreUnavailableError('timeout', { cause });
    assert.ok(err instanceof UnavailableError);
    assert.equal(err.reason, 'timeout');
    assert.equal(err.cause, cause);
    const r = err.toResponse();
    assert.equal(r.statusCode, 503);
    assert.equal(r.headers['Retry-After'], '1');
    assert.equal(r.body.error, 'unavailable');
    assert.doesNotMatch(JSON.stringify(r.body), /ECONNREFUSED/);
  });
});
