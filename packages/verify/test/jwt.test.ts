/**
 * The local checks: signature, algorithm allowlist, kid, typ, iss, aud, exp and the
 * required claims. Tokens are signed here with jose; keys come from a real key-set
 * endpoint; the session check is real introspection against the same test server.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT, UnsecuredJWT } from 'jose';
import {
  createVerifier,
  TokenAlgorithmError,
  TokenClaimError,
  TokenExpiredError,
  TokenKeyUnknownError,
  TokenMalformedError,
  TokenSignatureError,
  type Verifier,
} from '../src/index.js';
import { makeKey, startIssuer, type SigningKey, type TestIssuer } from './helpers/issuer.js';

describe('local JWT checks', () => {
  let iss: TestIssuer;
  let verifier: Verifier;
  let es256: SigningKey;

  before(async () => {
    iss = await startIssuer();
    // Published before the verifier's first fetch (a later key waits out the refetch cooldown).
    es256 = await iss.publish('ES256');
    verifier = createVerifier({
      baseUrl: iss.url,
      issuer: iss.issuer,
      audience: iss.audience,
      session: { mode: 'introspect', clientId: iss.clientId, clientSecret: iss.clientSecret },
    });
  });
  after(async () => {
    await verifier.close();
    await iss.close();
  });

  async function refusedWith(token: string, cls: abstract new (...args: never[]) => Error, claim?: string) {
    const introspections = iss.counts.introspect;
    await assert.rejects(verifier.verify(token), (err: unknown) => {
      assert.ok(err instanceof cls, `expected ${cls.name}, got ${String(err)}`);
      if (claim !== undefined) assert.equal((err as TokenClaimError).claim, claim);
      return true;
    });
    assert.equal(iss.counts.introspect, introspections, 'a locally refused token is never introspected');
  }

  it('accepts a live session token and returns its claims', async () => {
    const { token, sub, sid } = await iss.login();
    const claims = await verifier.verify(`Bearer ${token}`);
    assert.equal(claims.sub, sub);
    assert.equal(claims.sid, sid);
    assert.equal(claims.iss, iss.issuer);
    assert.equal(claims.aud, iss.audience);
    assert.equal(claims.email, `${sub}@example.test`);
    assert.equal(typeof claims.jti, 'string');
    assert.ok(Object.isFrozen(claims));
    // A bare token works too.
    assert.equal((await verifier.verify(token)).sid, sid);
  });

  it('accepts ES256 as well as EdDSA by default', async () => {
    const { token, sid } = await iss.login({ key: es256 });
    assert.equal((await verifier.verify(token)).sid, sid);
  });

  it('allows a few seconds of clock skew on exp, no more', async () => {
    const skewed = await iss.login({ expiresIn: -2 });
    assert.equal((await verifier.verify(skewed.token)).sid, skewed.sid);
    const expired = await iss.login({ expiresIn: -60 });
    await refusedWith(expired.token, TokenExpiredError);
  });

  it('refuses a wrong or missing iss, aud, typ', async () => {
    await refusedWith((await iss.login({ claims: { iss: 'someone-else' } })).token, TokenClaimError, 'iss');
    await refusedWith((await iss.login({ claims: { iss: undefined } })).token, TokenClaimError, 'iss');
    await refusedWith((await iss.login({ claims: { aud: 'billing-api' } })).token, TokenClaimError, 'aud');
    await refusedWith((await iss.login({ claims: { aud: undefined } })).token, TokenClaimError, 'aud');
    await refusedWith((await iss.login({ header: { typ: 'JWT' } })).token, TokenClaimError, 'typ');
    await refusedWith((await iss.login({ header: { typ: undefined } })).token, TokenClaimError, 'typ');
  });

  it('refuses a token without sub, sid, jti, iat or exp, or with a non-string sid', async () => {
    for (const claim of ['sub', 'sid', 'jti', 'iat', 'exp']) {
      await refusedWith((await iss.login({ claims: { [claim]: undefined } })).token, TokenClaimError, claim);
    }
    await refusedWith((await iss.login({ claims: { sid: 42 } })).token, TokenClaimError, 'sid');
  });

  it('refuses algorithms outside the allowlist, HMAC and none', async () => {
    const narrow = createVerifier({
      baseUrl: iss.url,
      issuer: iss.issuer,
      audience: iss.audience,
      algorithms: ['EdDSA'],
      session: { mode: 'introspect', clientId: iss.clientId, clientSecret: iss.clientSecret },
    });
    try {
      const es = await iss.login({ key: es256 });
      await assert.rejects(narrow.verify(es.token), TokenAlgorithmError);
    } finally {
      await narrow.close();
    }
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: iss.issuer,
      aud: iss.audience,
      sub: 'u',
      sid: 's',
      jti: 'j',
      iat: now,
      exp: now + 60,
    };
    const hs = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', kid: iss.current.kid, typ: 'at+jwt' })
      .sign(new TextEncoder().encode('x'.repeat(32)));
    await refusedWith(hs, TokenAlgorithmError);
    const none = new UnsecuredJWT(claims).encode();
    await refusedWith(none, TokenMalformedError);
  });

  it('refuses a forged signature and a token naming another published key', async () => {
    const { token } = await iss.login();
    const [h, p, s] = token.split('.') as [string, string, string];
    const mid = Math.floor(s.length / 2);
    const flipped = `${s.slice(0, mid)}${s[mid] === 'A' ? 'B' : 'A'}${s.slice(mid + 1)}`;
    await refusedWith(`${h}.${p}.${flipped}`, TokenSignatureError);

    const published = iss.current;
    const stranger = await makeKey('EdDSA');
    const forged = await iss.sign('u', 's', {
      key: stranger,
      header: { kid: published.kid, alg: published.alg },
    });
    await refusedWith(forged, TokenSignatureError);
  });

  it('refuses a token without kid or with a kid the key set does not hold', async () => {
    await refusedWith((await iss.login({ header: { kid: undefined } })).token, TokenKeyUnknownError);
    await refusedWith((await iss.login({ key: await iss.unpublishedKey() })).token, TokenKeyUnknownError);
  });

  it('refuses what is not a JWT, and oversized tokens', async () => {
    await refusedWith('not-a-jwt', TokenMalformedError);
    await refusedWith('a.b.c', TokenMalformedError);
    await refusedWith(`${'a'.repeat(3000)}.${'b'.repeat(1000)}.${'c'.repeat(100)}`, TokenMalformedError);
  });
});
