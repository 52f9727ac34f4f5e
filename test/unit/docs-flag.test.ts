/**
 * DOCS: the interactive API docs at /docs are on by default outside production and off
 * in production; DOCS=on|off overrides. /openapi.json is served either way.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generateSigningKeyPem } from '../../src/auth/keys.js';
import { loadConfig } from '../../src/config/load.js';
import { composeTestApp, type TestApp } from '../helpers/app.js';
import { call } from '../helpers/http.js';

const production = {
  DEPLOYMENT_ENV: 'production',
  JWT_PRIVATE_KEY: generateSigningKeyPem(),
  OPS_TOKEN: 'x'.repeat(32),
  REDIS_URL: 'redis://127.0.0.1:6379',
  DATABASE_URL: 'postgres://tollgate@127.0.0.1:5432/tollgate',
  PUBLIC_URL: 'https://auth.example.com',
};
const docsOf = (env: Record<string, string>) => loadConfig(env, { skipEnvFiles: true }).docs;

describe('DOCS', () => {
  it('defaults to on in development and staging, off in production; DOCS overrides', () => {
    assert.equal(docsOf({}), true);
    assert.equal(docsOf({ DEPLOYMENT_ENV: 'staging', WORKERS: '1' }), true);
    assert.equal(docsOf(production), false);
    assert.equal(docsOf({ ...production, DOCS: 'on' }), true);
    assert.equal(docsOf({ DOCS: 'off' }), false);
    assert.throws(() => docsOf({ DOCS: 'maybe' }), /DOCS: must be true or false/);
  });

  describe('with DOCS=off', () => {
    let t: TestApp;
    before(async () => {
      t = await composeTestApp({ DOCS: 'off' });
    });
    after(() => t.close());

    it('answers /docs with the JSON 404 and still serves /openapi.json', async () => {
      const docs = await call(t.target, 'GET', '/docs/');
      assert.equal(docs.status, 404);
      assert.equal(docs.body.error, 'not_found');
      const doc = await call(t.target, 'GET', '/openapi.json');
      assert.equal(doc.status, 200);
      assert.ok(Object.keys(doc.body.paths as object).includes('/auth/login'));
    });

    it('leaves service_documentation out of the authorization server metadata', async () => {
      const meta = await call(t.target, 'GET', '/.well-known/oauth-authorization-server');
      assert.equal(meta.status, 200);
      assert.equal(meta.body.service_documentation, undefined);
      assert.match(String(meta.body.jwks_uri), /\/\.well-known\/jwks\.json$/);
    });
  });
});
