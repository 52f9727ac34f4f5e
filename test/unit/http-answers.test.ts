/**
 * What a client developer meets first: a known path with the wrong method is a 405 with
 * `Allow` (an unknown path stays a 404), a validation error names the property at fault,
 * and /docs is tollgate's own page whose "Try it out" calls whatever host served it
 * (a relative server URL in the OpenAPI document).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DOCS_LOGO_SVG } from '../../src/http/docs-branding.js';
import { composeTestApp, type TestApp } from '../helpers/app.js';
import { call } from '../helpers/http.js';

describe('HTTP answers a newcomer meets first', () => {
  let t: TestApp;
  before(async () => {
    t = await composeTestApp({ DOCS: 'on', PUBLIC_URL: 'https://auth.example.test' });
  });
  after(() => t?.close());

  it('answers a known path with another method 405, with Allow and a catalogue error', async () => {
    const r = await call(t.target, 'PUT', '/auth/login', { body: { email: 'a@example.test' } });
    assert.equal(r.status, 405);
    assert.equal(r.headers.allow, 'POST');
    assert.equal(r.body.error, 'method_not_allowed');
    assert.match(String(r.body.message), /\/auth\/login does not answer PUT; it answers POST/);
    assert.ok(r.headers['x-request-id'], 'like every answer');

    // A path with a parameter; GET routes answer HEAD too.
    const user = await call(t.target, 'PUT', '/admin/users/123');
    assert.equal(user.status, 405);
    assert.deepEqual(user.headers.allow?.split(', '), ['DELETE', 'GET', 'HEAD']);
    const me = await call(t.target, 'DELETE', '/auth/me');
    assert.equal(me.status, 405);
    assert.match(me.headers.allow ?? '', /\bGET\b/);
  });

  it('keeps 404 for unknown paths, also under a known prefix, and for paths only a wildcard matches', async () => {
    for (const [method, path] of [
      ['PUT', '/no/such/route'],
      ['GET', '/auth/login/extra'],
      ['DELETE', '/docs/static/no-such-file.js'],
      ['OPTIONS', '/auth/login'], // CORS preflights are CORS's to answer (cors-refresh-cookie.test.ts)
    ] as const) {
      const r = await call(t.target, method, path);
      assert.equal(r.status, 404, `${method} ${path}`);
      assert.equal(r.body.error, 'not_found');
      assert.equal(r.headers.allow, undefined);
    }
  });

  it('names the property a body must not have', async () => {
    const r = await call(t.target, 'POST', '/auth/login', {
      body: { email: 'a@example.test', password: 'correct horse battery', remember_me: true },
    });
    assert.equal(r.status, 400);
    assert.equal(r.body.error, 'invalid_request');
    assert.equal(r.body.message, 'Invalid request: body must NOT have additional properties: "remember_me"');
    const missing = await call(t.target, 'POST', '/auth/login', { body: { email: 'a@example.test' } });
    assert.match(String(missing.body.message), /must have required property 'password'/);
  });

  it('documents a relative server, so "Try it out" works on any host name', async () => {
    const doc = await call(t.target, 'GET', '/openapi.json');
    assert.deepEqual(
      (doc.body.servers as Array<{ url: string }>).map((s) => s.url),
      ['/'],
    );
    const prefixed = await composeTestApp({ PUBLIC_URL: 'https://example.test/auth/' });
    try {
      const d = await call(prefixed.target, 'GET', '/openapi.json');
      assert.equal(
        (d.body.servers as Array<{ url: string }>)[0]!.url,
        '/auth',
        "a proxy's path prefix is kept",
      );
    } finally {
      await prefixed.close();
    }
  });

  it("shows tollgate's name, logo and icon on /docs, not Swagger UI's or Fastify's", async () => {
    const page = await call(t.target, 'GET', '/docs/');
    assert.equal(page.status, 200);
    assert.match(page.text, /<title>tollgate API<\/title>/);
    const icon = /<link rel="icon" type="image\/svg\+xml" href="([^"]+)"/.exec(page.text);
    assert.ok(icon, 'a favicon link');
    const iconFile = await call(t.target, 'GET', new URL(icon[1]!, 'http://host/docs/').pathname);
    assert.equal(iconFile.status, 200);
    assert.match(iconFile.text, /^<svg /);

    const init = await call(t.target, 'GET', '/docs/static/swagger-initializer.js');
    assert.equal(init.status, 200);
    const logo = Buffer.from(DOCS_LOGO_SVG).toString('base64');
    assert.ok(init.text.includes(`data:image/svg+xml;base64,${logo}`), 'our logo replaces the top bar image');
    assert.doesNotMatch(init.text, /fastify/i);
  });
});
