/**
 * The Fastify plugin over real HTTP, in redis mode on a real redis-server: verified
 * requests carry `request.auth`; refused ones get tollgate's status, body and headers
 * and never reach the handler.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import { createClient } from 'redis';
import tollgate from '../src/fastify.js';
import { sessionKey } from '../src/index.js';
import { bearer, get } from './helpers/http.js';
import { startIssuer, type TestIssuer } from './helpers/issuer.js';
import { startRedis, type RedisServerHandle } from '../../../test/helpers/redis-server.js';

describe('Fastify plugin', () => {
  let iss: TestIssuer;
  let server: RedisServerHandle;
  let client: ReturnType<typeof createClient>;
  let app: FastifyInstance;
  let url: string;
  let handled = 0;

  async function login() {
    const s = await iss.login();
    await client.hSet(sessionKey('tg:', s.sub, s.sid), 'uid', s.sub);
    return s;
  }

  before(async () => {
    iss = await startIssuer();
    server = await startRedis();
    client = createClient({ url: server.url, maintNotifications: 'disabled' });
    client.on('error', () => undefined);
    await client.connect();

    app = Fastify({ logger: false });
    await app.register(tollgate, {
      baseUrl: iss.url,
      issuer: iss.issuer,
      audience: iss.audience,
      session: { mode: 'redis', client, timeoutMs: 300 },
    });
    app.get('/orders', { onRequest: app.tollgate.authenticate }, async (request) => {
      handled++;
      return { user: request.auth!.sub, session: request.auth!.sid };
    });
    app.get('/public', async (request) => ({ auth: request.auth }));
    // A scope where every route is protected.
    await app.register(async (scope) => {
      await scope.register(tollgate, { verifier: app.tollgate.verifier, global: true });
      scope.get('/admin/stats', async (request) => {
        handled++;
        return { user: request.auth!.sub };
      });
    });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await app.close();
    client.destroy();
    await server.stop();
    await iss.close();
  });

  function assertRefused(
    answer: Awaited<ReturnType<typeof get>>,
    status: number,
    error: string,
    message?: string,
  ): void {
    assert.equal(answer.status, status);
    assert.equal((answer.body as { error: string }).error, error);
    if (message !== undefined) assert.equal((answer.body as { message: string }).message, message);
    assert.match(String(answer.headers['content-type']), /^application\/json/);
  }

  it('lets a live session through with its claims in request.auth', async () => {
    const { token, sub, sid } = await login();
    const answer = await get(`${url}/orders`, bearer(token));
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, { user: sub, session: sid });
  });

  it('401 invalid_token with the Bearer challenge: missing, malformed, forged, logged out', async () => {
    const before = handled;
    const missing = await get(`${url}/orders`);
    assertRefused(missing, 401, 'invalid_token', 'Missing bearer token');
    assert.equal(missing.headers['www-authenticate'], 'Bearer error="invalid_token"');

    assertRefused(await get(`${url}/orders`, { authorization: 'Basic dXNlcjpwdw==' }), 401, 'invalid_token');
    assertRefused(await get(`${url}/orders`, bearer('a.b.c')), 401, 'invalid_token');

    const { token, sub, sid } = await login();
    assert.equal((await get(`${url}/orders`, bearer(token))).status, 200);
    await client.del(sessionKey('tg:', sub, sid));
    const ended = await get(`${url}/orders`, bearer(token));
    assertRefused(ended, 401, 'invalid_token', 'The session of this access token has ended');
    assert.equal(ended.headers['www-authenticate'], 'Bearer error="invalid_token"');
    assert.equal(handled, before + 1);
  });

  it('400 invalid_request for two Authorization headers', async () => {
    const { token } = await login();
    const answer = await get(`${url}/orders`, { authorization: [`Bearer ${token}`, `Bearer ${token}`] });
    assertRefused(answer, 400, 'invalid_request', 'Send exactly one Authorization header');
  });

  it('503 unavailable with Retry-After when Redis is frozen, within the bound', async () => {
    const { token } = await login();
    server.pause();
    try {
      const answer = await get(`${url}/orders`, bearer(token));
      assertRefused(answer, 503, 'unavailable');
      assert.equal(answer.headers['retry-after'], '1');
      // At the 300 ms timeout, not before; after it by no more than a busy machine's late timers.
      assert.ok(
        answer.elapsedMs >= 250 && answer.elapsedMs < 300 + 5000,
        `answered after ${Math.round(answer.elapsedMs)} ms`,
      );
    } finally {
      server.resume();
    }
    assert.equal((await get(`${url}/orders`, bearer(token))).status, 200);
  });

  it('leaves unprotected routes alone (request.auth is null)', async () => {
    const answer = await get(`${url}/public`);
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, { auth: null });
  });

  it('{ global: true } protects every route of its scope', async () => {
    assertRefused(await get(`${url}/admin/stats`), 401, 'invalid_token');
    const { token, sub } = await login();
    const answer = await get(`${url}/admin/stats`, bearer(token));
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, { user: sub });
  });
});
