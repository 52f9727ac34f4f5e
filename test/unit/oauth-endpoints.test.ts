/**
 * The OAuth endpoints other services use, in-process on the memory store: RFC 8414
 * metadata, RFC 7662 introspection with HTTP Basic client authentication, RFC 7009
 * revocation with form bodies, and the `aud` claim on every access token.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SignJWT, decodeJwt } from 'jose';
import * as oauth from 'oauth4webapi';
import { signAccessToken } from '../../src/auth/access-token.js';
import { hashClientSecret } from '../../src/auth/client-credentials.js';
import { clientSecret } from '../../src/commands/clients.js';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { composeTestApp, type TestApp } from '../helpers/app.js';
import { call, registerAndLogin, type Session } from '../helpers/http.js';

/** PUBLIC_URL of the app under test, and so the `iss` of its tokens and the metadata `issuer`. */
const ISSUER = 'https://auth.example.test/base';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const email = (tag: string): string => `${tag}-${randomUUID().slice(0, 8)}@example.test`;

/** RFC 6749 §2.3.1: id and secret form-urlencoded, then Base64. */
function basic(id: string, secret: string): string {
  const enc = (v: string) => new URLSearchParams([['', v]]).toString().slice(1);
  return `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString('base64')}`;
}

// A secret that needs form-encoding (space, "+", ":", "%", non-ASCII), set by hand.
const ODD_ID = 'billing.svc_2~x';
const ODD_SECRET = 'p@ss word+:%é/ü';

describe('OAuth endpoints', () => {
  const orders = clientSecret('orders-api');
  let app: TestApp;
  let s: Session;

  before(async () => {
    app = await composeTestApp({
      PUBLIC_URL: `${ISSUER}/`,
      TOKEN_AUDIENCE: 'orders-api',
      INTROSPECTION_CLIENTS: `${orders.entry}, ${ODD_ID}:${hashClientSecret(ODD_SECRET).toUpperCase()}`,
    });
    s = await registerAndLogin(app.target, email('oauth'));
  });
  after(async () => {
    await app?.close();
  });

  const introspect = (token: string, authorization?: string, extra = '') =>
    call(app.target, 'POST', '/oauth/introspect', {
      raw: `token=${encodeURIComponent(token)}${extra}`,
      headers: { ...FORM, ...(authorization ? { authorization } : {}) },
    });

  describe('aud', () => {
    it('every access token carries TOKEN_AUDIENCE as aud', () => {
      assert.equal(decodeJwt(s.access).aud, 'orders-api');
    });

    it('a token of another audience, or of none, is refused though its key and session are good', async () => {
      const { sub, sid, email: mail } = decodeJwt(s.access) as { sub: string; sid: string; email: string };
      const subject = { uid: sub, sid, email: mail, roles: [], emailVerified: false, authTime: 0, amr: [] };
      const keys = app.composition.keys;
      const sign = (audience: string[]) =>
        signAccessToken(keys, { issuer: ISSUER, audience, ttlSeconds: 60 }, subject);
      const good = await sign(['orders-api']);
      assert.equal((await call(app.target, 'GET', '/api/protected', { token: good.token })).status, 200);
      const other = await sign(['billing-api']);
      assert.equal((await call(app.target, 'GET', '/api/protected', { token: other.token })).status, 401);
      const none = await new SignJWT({ email: mail, sid })
        .setProtectedHeader({ alg: keys.signing.alg, kid: keys.signing.kid, typ: 'at+jwt' })
        .setIssuer(ISSUER)
        .setSubject(sub)
        .setJti(randomUUID())
        .setIssuedAt()
        .setExpirationTime('1m')
        .sign(keys.signing.key);
      assert.equal((await call(app.target, 'GET', '/api/protected', { token: none })).status, 401);
      const auth = basic(orders.id, orders.secret);
      assert.deepEqual((await introspect(other.token, auth)).body, { active: false });
      assert.deepEqual((await introspect(none, auth)).body, { active: false });
    });

    it('TOKEN_AUDIENCE may list several audiences: aud is then an array, and any one is accepted', async () => {
      const multi = await composeTestApp({ TOKEN_AUDIENCE: 'orders-api,billing-api' });
      try {
        const t = await registerAndLogin(multi.target, email('aud'));
        assert.deepEqual(decodeJwt(t.access).aud, ['orders-api', 'billing-api']);
        assert.equal((await call(multi.target, 'GET', '/api/protected', { token: t.access })).status, 200);
      } finally {
        await multi.close();
      }
    });
  });

  describe('GET /.well-known/oauth-authorization-server', () => {
    it('lists issuer, key set, introspection and revocation on PUBLIC_URL, cached', async () => {
      const r = await call(app.target, 'GET', '/.well-known/oauth-authorization-server');
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, {
        issuer: ISSUER,
        jwks_uri: 'https://auth.example.test/base/.well-known/jwks.json',
        introspection_endpoint: 'https://auth.example.test/base/oauth/introspect',
        introspection_endpoint_auth_methods_supported: ['client_secret_basic'],
        revocation_endpoint: 'https://auth.example.test/base/auth/revoke',
        revocation_endpoint_auth_methods_supported: ['none'],
        service_documentation: 'https://auth.example.test/base/docs',
      });
      assert.equal(r.headers['cache-control'], 'public, max-age=3600');
      const jwks = await call(app.target, 'GET', '/.well-known/jwks.json');
      assert.match(String(jwks.headers['cache-control']), /^public, max-age=\d+$/);
    });
  });

  describe('POST /oauth/introspect', () => {
    it('answers active with the claims for a live session, form body and Basic auth', async () => {
      const r = await introspect(s.access, basic(orders.id, orders.secret), '&token_type_hint=access_token');
      assert.equal(r.status, 200);
      assert.equal(r.headers['cache-control'], 'no-store');
      const claims = decodeJwt(s.access);
      assert.deepEqual(r.body, {
        active: true,
        sub: claims.sub,
        sid: claims.sid,
        email: claims.email,
        iss: ISSUER,
        aud: 'orders-api',
        exp: claims.exp,
        iat: claims.iat,
        jti: claims.jti,
        token_type: 'Bearer',
      });
    });

    it('accepts a JSON body too, and ignores an unknown hint', async () => {
      const r = await call(app.target, 'POST', '/oauth/introspect', {
        body: { token: s.access, token_type_hint: 'something_else' },
        headers: { authorization: basic(orders.id, orders.secret) },
      });
      assert.equal(r.status, 200);
      assert.equal(r.body.active, true);
    });

    it('decodes form-encoded client credentials (RFC 6749 §2.3.1) and compares hashes of any case', async () => {
      const r = await introspect(s.access, basic(ODD_ID, ODD_SECRET));
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.active, true);
    });

    it('is {active: false} alone for garbage, refresh tokens and ended sessions', async () => {
      const auth = basic(orders.id, orders.secret);
      for (const token of ['garbage', 'a.b.c', s.refresh, s.access.slice(0, -4) + 'AAAA']) {
        const r = await introspect(token, auth);
        assert.equal(r.status, 200);
        assert.deepEqual(r.body, { active: false }, token.slice(0, 20));
      }
      const ended = await registerAndLogin(app.target, email('ended'));
      assert.equal((await introspect(ended.access, auth)).body.active, true);
      assert.equal((await call(app.target, 'POST', '/auth/logout', { token: ended.access })).status, 200);
      assert.deepEqual((await introspect(ended.access, auth)).body, { active: false });
    });

    it('refuses a missing, malformed, unknown or wrong client with 401 invalid_client and a Basic challenge', async () => {
      const cases: Array<[string, string | undefined]> = [
        ['none', undefined],
        ['bearer', `Bearer ${s.access}`],
        ['not base64', 'Basic !!!'],
        ['no colon', `Basic ${Buffer.from('orders-api').toString('base64')}`],
        ['empty secret', basic(orders.id, '')],
        ['wrong secret', basic(orders.id, orders.secret + 'x')],
        ['unknown client', basic('nobody', orders.secret)],
        ['another client’s secret', basic(ODD_ID, orders.secret)],
        ['secret not form-encoded', `Basic ${Buffer.from(`${ODD_ID}:${ODD_SECRET}`).toString('base64')}`],
      ];
      for (const [label, authorization] of cases) {
        const r = await introspect(s.access, authorization);
        assert.equal(r.status, 401, label);
        assert.equal(r.body.error, 'invalid_client', label);
        assert.match(String(r.headers['www-authenticate']), /^Basic realm="tollgate"/, label);
        assert.equal(r.body.active, undefined, label);
      }
    });

    it('checks the client before reading the body, and validates the body after', async () => {
      const unauth = await call(app.target, 'POST', '/oauth/introspect', { raw: 'x', headers: FORM });
      assert.equal(unauth.status, 401);
      const auth = basic(orders.id, orders.secret);
      const noToken = await call(app.target, 'POST', '/oauth/introspect', {
        raw: 'token_type_hint=access_token',
        headers: { ...FORM, authorization: auth },
      });
      assert.equal(noToken.status, 400);
      assert.equal(noToken.body.error, 'invalid_request');
      const twice = await introspect(s.access, auth, `&token=${s.access}`);
      assert.equal(twice.status, 400, 'a repeated parameter is refused');
      const text = await call(app.target, 'POST', '/oauth/introspect', {
        raw: `token=${s.access}`,
        headers: { 'content-type': 'text/plain', authorization: auth },
      });
      assert.equal(text.status, 415);
    });

    it('with no INTROSPECTION_CLIENTS, nobody can introspect', async () => {
      const bare = await composeTestApp();
      try {
        const r = await call(bare.target, 'POST', '/oauth/introspect', {
          raw: 'token=x',
          headers: { ...FORM, authorization: basic(orders.id, orders.secret) },
        });
        assert.equal(r.status, 401);
        assert.equal(r.body.error, 'invalid_client');
      } finally {
        await bare.close();
      }
    });
  });

  describe('POST /auth/revoke', () => {
    it('takes the form body RFC 7009 prescribes (and JSON, as before)', async () => {
      const a = await registerAndLogin(app.target, email('revoke-form'));
      const r = await call(app.target, 'POST', '/auth/revoke', {
        raw: `token=${encodeURIComponent(a.refresh)}&token_type_hint=refresh_token&client_id=web`,
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' },
      });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.headers['cache-control'], 'no-store');
      assert.equal((await call(app.target, 'GET', '/api/protected', { token: a.access })).status, 401);

      const b = await registerAndLogin(app.target, email('revoke-json'));
      const j = await call(app.target, 'POST', '/auth/revoke', { body: { token: b.access } });
      assert.equal(j.status, 200);
      assert.equal((await call(app.target, 'GET', '/api/protected', { token: b.access })).status, 401);

      const unknown = await call(app.target, 'POST', '/auth/revoke', { raw: 'token=unknown', headers: FORM });
      assert.equal(unknown.status, 200);
      const empty = await call(app.target, 'POST', '/auth/revoke', { raw: '', headers: FORM });
      assert.equal(empty.status, 400);
    });

    it('no other route takes a form body', async () => {
      for (const path of ['/auth/login', '/auth/register', '/auth/refresh', '/auth/logout']) {
        const r = await call(app.target, 'POST', path, { raw: 'email=a&password=b', headers: FORM });
        assert.equal(r.status, 415, path);
        assert.equal(r.body.error, 'unsupported_media_type', path);
      }
    });
  });

  describe('OpenAPI', () => {
    it('describes the endpoints, their summaries and both body types', async () => {
      const doc = (await call(app.target, 'GET', '/openapi.json')).body as {
        paths: Record<string, Record<string, { summary?: string; requestBody?: { content: object } }>>;
        components: { securitySchemes: Record<string, { scheme?: string }> };
      };
      for (const [path, method] of [
        ['/oauth/introspect', 'post'],
        ['/auth/revoke', 'post'],
        ['/.well-known/oauth-authorization-server', 'get'],
      ] as const) {
        assert.ok(doc.paths[path]?.[method]?.summary, `${method} ${path} has a summary`);
      }
      for (const path of ['/oauth/introspect', '/auth/revoke']) {
        assert.deepEqual(Object.keys(doc.paths[path]!.post!.requestBody!.content).sort(), [
          'application/json',
          'application/x-www-form-urlencoded',
        ]);
      }
      assert.equal(doc.components.securitySchemes.clientBasic?.scheme, 'basic');
    });
  });
});

describe('the metadata, read by a strict OAuth client (oauth4webapi)', () => {
  const issuer = 'https://auth.example.test';
  let app: TestApp;
  before(async () => {
    app = await composeTestApp({ PUBLIC_URL: issuer });
  });
  after(async () => {
    await app?.close();
  });

  /** Requests to PUBLIC_URL reach the app in-process, as a TLS-terminating proxy would pass them. */
  const toApp = async (url: string, init?: RequestInit): Promise<Response> => {
    const target = new URL(url);
    assert.equal(target.origin, issuer, 'the client asks PUBLIC_URL');
    const r = await app.composition.app.inject({
      method: (init?.method ?? 'GET') as 'GET',
      url: target.pathname + target.search,
      headers: Object.fromEntries(new Headers(init?.headers).entries()),
    });
    return new Response(r.body, {
      status: r.statusCode,
      headers: Object.entries(r.headers).map(([k, v]) => [k, String(v)] as [string, string]),
    });
  };

  it("discovery validates: issuer is the https URL it is served under, equal to the tokens' iss", async () => {
    const expected = new URL(issuer);
    const response = await oauth.discoveryRequest(expected, {
      algorithm: 'oauth2',
      [oauth.customFetch]: toApp,
    });
    const as = await oauth.processDiscoveryResponse(expected, response);
    assert.equal(as.issuer, issuer);
    assert.equal(as.jwks_uri, `${issuer}/.well-known/jwks.json`);
    assert.equal(as.revocation_endpoint, `${issuer}/auth/revoke`);
    const s = await registerAndLogin(app.target, email('iss'));
    assert.equal(decodeJwt(s.access).iss, as.issuer);
  });

  it('TOKEN_ISSUER other than PUBLIC_URL stops start-up; equal to it (trailing slash or not) is accepted', () => {
    assert.throws(
      () => loadConfig({ PUBLIC_URL: issuer, TOKEN_ISSUER: 'tollgate' }, { skipEnvFiles: true }),
      (err: unknown) => err instanceof ConfigError && /TOKEN_ISSUER/.test(err.message),
    );
    for (const same of [issuer, `${issuer}/`]) {
      assert.equal(
        loadConfig({ PUBLIC_URL: issuer, TOKEN_ISSUER: same }, { skipEnvFiles: true }).jwt.issuer,
        issuer,
      );
    }
  });
});
