/**
 * Browser clients, in-process on the memory store: the CORS allowlist (CORS_ORIGINS)
 * and the refresh-token cookie (REFRESH_COOKIE=on) with its Origin check. The same
 * flows in a real browser are in test/e2e/browser-cookie-flow.test.ts.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { composeTestApp, type TestApp } from '../helpers/app.js';
import { call, PASSWORD, register, type HttpResult } from '../helpers/http.js';

const APP_ORIGIN = 'https://app.example.test';
const OTHER_ORIGIN = 'https://evil.example.test';
const PUBLIC_URL = 'https://auth.example.test';
const email = (tag: string): string => `${tag}-${randomUUID().slice(0, 8)}@example.test`;

interface SetCookie {
  value: string;
  attributes: Map<string, string>;
}

function setCookie(r: HttpResult): SetCookie | undefined {
  const header = r.headers['set-cookie'];
  if (!header) return undefined;
  const [pair, ...attrs] = header.split(';').map((p) => p.trim());
  const [name, value] = [pair!.slice(0, pair!.indexOf('=')), pair!.slice(pair!.indexOf('=') + 1)];
  assert.equal(name, 'tollgate_refresh');
  return {
    value,
    attributes: new Map(
      attrs.map((a) => {
        const eq = a.indexOf('=');
        return eq === -1 ? [a.toLowerCase(), ''] : [a.slice(0, eq).toLowerCase(), a.slice(eq + 1)];
      }),
    ),
  };
}

const preflight = (target: TestApp['target'], origin: string, path = '/auth/login') =>
  call(target, 'OPTIONS', path, {
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type,authorization',
    },
  });

describe('CORS_ORIGINS', () => {
  let app: TestApp;
  before(async () => {
    app = await composeTestApp({ CORS_ORIGINS: `${APP_ORIGIN}, http://127.0.0.1:5173` });
  });
  after(async () => {
    await app?.close();
  });

  it('answers the preflight of a listed origin, with credentials', async () => {
    const r = await preflight(app.target, APP_ORIGIN);
    assert.equal(r.status, 204);
    assert.equal(r.headers['access-control-allow-origin'], APP_ORIGIN);
    assert.equal(r.headers['access-control-allow-credentials'], 'true');
    assert.match(String(r.headers['access-control-allow-methods']), /POST/);
    assert.match(String(r.headers['access-control-allow-headers']), /Authorization/i);
    assert.match(String(r.headers['access-control-allow-headers']), /Content-Type/i);
    assert.ok(Number(r.headers['access-control-max-age']) > 0);
    assert.match(String(r.headers.vary), /Origin/);
  });

  it('gives nothing to any other origin: no CORS header, and no preflight answer', async () => {
    for (const origin of [
      OTHER_ORIGIN,
      'null',
      'https://app.example.test.evil.test',
      'http://app.example.test',
    ]) {
      const r = await preflight(app.target, origin);
      assert.equal(r.status, 404, origin);
      const get = await call(app.target, 'GET', '/', { headers: { origin } });
      assert.equal(get.status, 200);
      for (const h of [r, get]) {
        const cors = Object.keys(h.headers).filter((k) => k.startsWith('access-control-'));
        assert.deepEqual(cors, [], `${origin}: ${cors.join(', ')}`);
      }
    }
  });

  it('lets a listed origin read answers, errors included, and the headers it needs', async () => {
    const ok = await call(app.target, 'GET', '/', { headers: { origin: APP_ORIGIN } });
    assert.equal(ok.headers['access-control-allow-origin'], APP_ORIGIN);
    assert.equal(ok.headers['access-control-allow-credentials'], 'true');
    const denied = await call(app.target, 'GET', '/api/protected', { headers: { origin: APP_ORIGIN } });
    assert.equal(denied.status, 401);
    assert.equal(denied.headers['access-control-allow-origin'], APP_ORIGIN);
    assert.match(String(denied.headers['access-control-expose-headers']), /WWW-Authenticate/);
    assert.match(String(denied.headers['access-control-expose-headers']), /Retry-After/);
  });

  it('without CORS_ORIGINS there is no CORS at all', async () => {
    const bare = await composeTestApp();
    try {
      const r = await preflight(bare.target, APP_ORIGIN);
      assert.equal(r.status, 404);
      assert.equal(r.headers['access-control-allow-origin'], undefined);
    } finally {
      await bare.close();
    }
  });
});

describe('REFRESH_COOKIE=on', () => {
  let app: TestApp;
  before(async () => {
    app = await composeTestApp({ REFRESH_COOKIE: 'on', CORS_ORIGINS: APP_ORIGIN, PUBLIC_URL });
  });
  after(async () => {
    await app?.close();
  });

  async function login(): Promise<{ access: string; cookie: string }> {
    const user = email('cookie');
    await register(app.target, user);
    const r = await call(app.target, 'POST', '/auth/login', {
      body: { email: user, password: PASSWORD },
      headers: { origin: APP_ORIGIN },
    });
    assert.equal(r.status, 200, r.text);
    const c = setCookie(r)!;
    return { access: String(r.body.access_token), cookie: c.value };
  }

  const refresh = (cookie: string | undefined, origin: string | undefined) =>
    call(app.target, 'POST', '/auth/refresh', {
      headers: {
        ...(cookie ? { cookie: `other=1; tollgate_refresh=${cookie}` } : {}),
        ...(origin ? { origin } : {}),
      },
    });

  it('login sets an httpOnly, Secure, SameSite=Strict cookie on /auth; the body has no refresh token', async () => {
    const user = email('attrs');
    await register(app.target, user);
    const r = await call(app.target, 'POST', '/auth/login', { body: { email: user, password: PASSWORD } });
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.body).sort(), ['access_token', 'expires_in', 'token_type']);
    assert.equal(r.headers['cache-control'], 'no-store');
    const c = setCookie(r)!;
    assert.match(c.value, /^tgr1\./);
    assert.equal(c.attributes.get('path'), '/auth');
    assert.equal(c.attributes.get('samesite'), 'Strict');
    assert.ok(c.attributes.has('httponly'));
    assert.ok(c.attributes.has('secure'));
    assert.equal(c.attributes.get('max-age'), String(app.config.jwt.refreshTokenTtl));
    assert.equal(c.attributes.has('domain'), false, 'host-only');
  });

  it('refresh reads the cookie from an allowed origin, rotates it, and the old one is dead', async () => {
    const s = await login();
    const r = await refresh(s.cookie, APP_ORIGIN);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.refresh_token, undefined);
    assert.equal(r.headers['access-control-allow-origin'], APP_ORIGIN);
    const next = setCookie(r)!;
    assert.notEqual(next.value, s.cookie);
    assert.equal(
      (await call(app.target, 'GET', '/api/protected', { token: String(r.body.access_token) })).status,
      200,
    );
    // The successor works; presenting the rotated one after that is reuse, which ends the session.
    const again = await refresh(next.value, APP_ORIGIN);
    assert.equal(again.status, 200);
    const reuse = await refresh(s.cookie, APP_ORIGIN);
    assert.equal(reuse.status, 401);
    assert.equal(reuse.body.error, 'invalid_grant');
    assert.equal(setCookie(reuse)?.attributes.get('max-age'), '0', 'a dead cookie is cleared');
  });

  it('PUBLIC_URL’s own origin may use the cookie too', async () => {
    const s = await login();
    assert.equal((await refresh(s.cookie, PUBLIC_URL)).status, 200);
  });

  it('a cookie call without an allowed Origin is refused (403 origin_not_allowed) and changes nothing', async () => {
    const s = await login();
    for (const origin of [undefined, OTHER_ORIGIN, 'null', `${APP_ORIGIN}.evil.test`]) {
      const r = await refresh(s.cookie, origin);
      assert.equal(r.status, 403, String(origin));
      assert.equal(r.body.error, 'origin_not_allowed');
      assert.equal(r.headers['set-cookie'], undefined);
      const out = await call(app.target, 'POST', '/auth/logout', {
        headers: { cookie: `tollgate_refresh=${s.cookie}`, ...(origin ? { origin } : {}) },
      });
      assert.equal(out.status, 403, String(origin));
    }
    // Still the current token: nothing was rotated or revoked.
    assert.equal((await refresh(s.cookie, APP_ORIGIN)).status, 200);
  });

  it('refresh without the cookie is 401 invalid_grant; a body refresh token is not read', async () => {
    const r = await refresh(undefined, APP_ORIGIN);
    assert.equal(r.status, 401);
    assert.equal(r.body.error, 'invalid_grant');
    const s = await login();
    const body = await call(app.target, 'POST', '/auth/refresh', {
      body: { refresh_token: s.cookie },
      headers: { origin: APP_ORIGIN },
    });
    assert.equal(body.status, 401);
  });

  it('logout with the cookie alone ends the session and clears the cookie', async () => {
    const s = await login();
    const r = await call(app.target, 'POST', '/auth/logout', {
      headers: { cookie: `tollgate_refresh=${s.cookie}`, origin: APP_ORIGIN },
    });
    assert.equal(r.status, 200, r.text);
    const cleared = setCookie(r)!;
    assert.equal(cleared.value, '');
    assert.equal(cleared.attributes.get('max-age'), '0');
    assert.equal(cleared.attributes.get('path'), '/auth');
    assert.equal((await call(app.target, 'GET', '/api/protected', { token: s.access })).status, 401);
  });

  it('logout and logout-all with the bearer token clear the cookie too; no credentials is 401', async () => {
    const s = await login();
    const r = await call(app.target, 'POST', '/auth/logout', { token: s.access });
    assert.equal(r.status, 200);
    assert.equal(setCookie(r)?.attributes.get('max-age'), '0');
    assert.equal((await refresh(s.cookie, APP_ORIGIN)).status, 401);
    const t = await login();
    const all = await call(app.target, 'POST', '/auth/logout-all', { token: t.access });
    assert.equal(all.status, 200);
    assert.equal(setCookie(all)?.attributes.get('max-age'), '0');
    const none = await call(app.target, 'POST', '/auth/logout');
    assert.equal(none.status, 401);
    assert.equal(none.body.error, 'invalid_token');
  });

  it('the OpenAPI document describes the cookie mode', async () => {
    const doc = (await call(app.target, 'GET', '/openapi.json')).body as {
      paths: Record<string, { post: { security?: object[]; responses: Record<string, unknown> } }>;
    };
    assert.deepEqual(doc.paths['/auth/refresh']!.post.security, [{ refreshCookie: [] }]);
    assert.ok(doc.paths['/auth/refresh']!.post.responses['403']);
  });
});

describe('REFRESH_COOKIE off (the default)', () => {
  it('sets no cookie and keeps the refresh token in the JSON body', async () => {
    const app = await composeTestApp({ CORS_ORIGINS: APP_ORIGIN });
    try {
      const user = email('plain');
      await register(app.target, user);
      const r = await call(app.target, 'POST', '/auth/login', { body: { email: user, password: PASSWORD } });
      assert.equal(r.status, 200);
      assert.match(String(r.body.refresh_token), /^tgr1\./);
      assert.equal(r.headers['set-cookie'], undefined);
      const cookieOnly = await call(app.target, 'POST', '/auth/refresh', {
        headers: { cookie: `tollgate_refresh=${String(r.body.refresh_token)}`, origin: APP_ORIGIN },
      });
      assert.equal(cookieOnly.status, 400, 'no cookie is read');
    } finally {
      await app.close();
    }
  });
});
