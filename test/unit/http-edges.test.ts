/**
 * Requests that never reach a route still get the catalogue's `{error, message}` body:
 * malformed requests, undecodable URLs, oversized headers, unsupported Expect headers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { registerAndLogin } from '../helpers/http.js';
import { rawRequest } from '../helpers/raw-http.js';

describe('catalogue bodies for errors raised before routing', () => {
  let t: TestApp;
  let url: string;
  before(async () => {
    t = await startTestApp({ OPS_TOKEN: 'ops-token-for-tests-0123' });
    url = t.target as string;
  });
  after(async () => t?.close());

  const cases: Array<[string, string, number, string]> = [
    [
      'an undecodable URL',
      'GET /%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      400,
      'invalid_request',
    ],
    [
      'an Expect header other than 100-continue',
      'POST /auth/login HTTP/1.1\r\nHost: x\r\nExpect: foo\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
      417,
      'expectation_failed',
    ],
    [
      'headers over the size limit',
      `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      431,
      'headers_too_large',
    ],
    ['a request line that is not HTTP', 'HELLO THERE\r\n\r\n', 400, 'invalid_request'],
  ];

  it('two Authorization headers: 400 invalid_request, even when both are valid', async () => {
    const { access } = await registerAndLogin(url, `dup-${Date.now()}@example.test`);
    for (const path of ['/api/protected', '/health/redis']) {
      const r = await rawRequest(
        url,
        `GET ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${access}\r\n` +
          `authorization: Bearer ${access}\r\nConnection: close\r\n\r\n`,
      );
      assert.equal(r.status, 400, `${path}: ${r.body}`);
      assert.equal((JSON.parse(r.body) as { error: string }).error, 'invalid_request');
      assert.equal(r.headers['www-authenticate'], 'Bearer error="invalid_request"');
    }
    const one = await rawRequest(
      url,
      `GET /api/protected HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${access}\r\nConnection: close\r\n\r\n`,
    );
    assert.equal(one.status, 200);
  });

  for (const [label, bytes, status, code] of cases) {
    it(`${label}: ${status} ${code}`, async () => {
      const r = await rawRequest(url, bytes);
      assert.equal(r.status, status, r.body);
      assert.match(r.headers['content-type'] ?? '', /^application\/json/);
      const body = JSON.parse(r.body) as Record<string, unknown>;
      assert.deepEqual(Object.keys(body).sort(), ['error', 'message']);
      assert.equal(body.error, code);
    });
  }
});
