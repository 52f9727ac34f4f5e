/**
 * The OpenAPI document the service serves: clean under Redocly's recommended rules (the
 * same check `npm run lint` runs), the error enum equal to the catalogue, an operationId
 * on every operation, a described response for every status, `Retry-After` and
 * `WWW-Authenticate` where they are sent, and new-password lengths as the code enforces.
 */
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getTotals, lintFromString, loadConfig as loadRedoclyConfig } from '@redocly/openapi-core';
import { ERROR_CODES } from '../../src/errors.js';
import { operationIdOf } from '../../src/http/openapi-polish.js';
import { composeTestApp, type TestApp } from '../helpers/app.js';
import { call } from '../helpers/http.js';

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access,
   @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-return --
   these tests walk a parsed JSON document */
type Json = Record<string, any>;

describe('the served OpenAPI document', () => {
  let app: TestApp;
  let doc: Json;
  let text: string;
  const operations = (): [string, string, Json][] =>
    Object.entries(doc.paths as Record<string, Json>).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => [method, path, op as Json] as [string, string, Json]),
    );

  before(async () => {
    app = await composeTestApp({ PUBLIC_URL: 'https://auth.example.test', PASSWORD_MAX_LENGTH: '96' });
    const res = await call(app.target, 'GET', '/openapi.json');
    assert.equal(res.status, 200);
    text = res.text;
    doc = res.body;
  });
  after(() => app?.close());

  it('is clean under the recommended rules', async () => {
    const config = await loadRedoclyConfig({ configPath: resolve('redocly.yaml') });
    const problems = await lintFromString({ source: text, absoluteRef: resolve('openapi.json'), config });
    const totals = getTotals(problems);
    assert.deepEqual(
      { errors: totals.errors, warnings: totals.warnings },
      { errors: 0, warnings: 0 },
      problems.map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`).join('\n'),
    );
  });

  it('names the server relative to where the document is read, and lists exactly the catalogue codes as the error enum', () => {
    assert.deepEqual(doc.servers[0].url, '/');
    assert.match(String(doc.servers[0].description), /PUBLIC_URL: https:\/\/auth\.example\.test/);
    assert.deepEqual(doc.components.schemas.Error.properties.error.enum, [...ERROR_CODES]);
  });

  it('gives every operation a unique operationId and security, every response a description', () => {
    const ids = operations().map(([, , op]) => op.operationId as string);
    assert.equal(new Set(ids).size, ids.length, 'unique');
    assert.ok(ids.includes('postAuthPasswordResetRequest'));
    for (const [method, path, op] of operations()) {
      assert.ok(Array.isArray(op.security), `${method} ${path} security`);
      for (const [status, response] of Object.entries(op.responses as Record<string, Json>)) {
        assert.ok(
          response.description && response.description !== 'Default Response',
          `${method} ${path} ${status}`,
        );
        if (status === '429' || status === '503')
          assert.ok(response.headers?.['Retry-After'], `${path} ${status}`);
      }
      if (op.requestBody) assert.ok(op.responses['413'] && op.responses['415'], `${method} ${path} 413/415`);
    }
    const me = doc.paths['/auth/me'].get;
    assert.deepEqual(me.security, [{ bearerAuth: [] }]);
    assert.ok(me.responses['401'].headers['WWW-Authenticate']);
    assert.deepEqual(doc.paths['/'].get.security, []);
  });

  it('advertises the new-password length the code enforces', async () => {
    const schemaOf = (path: string): Json =>
      doc.paths[path].post.requestBody.content['application/json'].schema.properties;
    assert.equal(schemaOf('/auth/register').password.maxLength, 96);
    assert.equal(schemaOf('/auth/password-reset').new_password.maxLength, 96);
    const tooLong = await call(app.target, 'POST', '/auth/register', {
      body: { email: 'long@example.test', password: 'x'.repeat(97) },
    });
    assert.equal(tooLong.status, 400);
    assert.equal(tooLong.body.error, 'invalid_request');
  });

  it('derives operationIds from method and path', () => {
    assert.equal(operationIdOf('post', '/auth/password-reset/request'), 'postAuthPasswordResetRequest');
    assert.equal(operationIdOf('delete', '/admin/users/{id}'), 'deleteAdminUsersById');
    assert.equal(operationIdOf('get', '/.well-known/jwks.json'), 'getWellKnownJwksJson');
    assert.equal(operationIdOf('get', '/'), 'getRoot');
  });
});
