/**
 * The Express middleware over real HTTP, in introspect mode against an RFC 7662
 * endpoint served here: verified requests carry `req.auth`; refused ones get tollgate's
 * status, body and headers and never reach the handler.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { tollgateAuth, type TollgateMiddleware } from '../src/express.js';
import type { VerifyError } from '../src/index.js';
import { bearer, get } from './helpers/http.js';
import { startIssuer, type TestIssuer } from './helpers/issuer.js';

describe('Express middleware', () => {
  let iss: TestIssuer;
  let server: Server;
  let auth: TollgateMiddleware;
  let url: string;
  let handled = 0;
  const refused: VerifyError[] = [];

  before(async () => {
    iss = await startIssuer();
    auth = tollgateAuth(
      {
        baseUrl: iss.url,
        issuer: iss.issuer,
        audience: iss.audience,
        session: {
          mode: 'introspect',
          clientId: iss.clientId,
          clientSecret: iss.clientSecret,
          timeoutMs: 300,
        },
      },
      { onRefused: (err) => refused.push(err) },
    );
    const app = express();
    app.get('/orders', auth, (req, res) => {
      handled++;
      res.json({ user: req.auth!.sub, session: req.auth!.sid });
    });
    app.get('/public', (req, res) => {
      res.json({ auth: req.auth ?? null });
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await auth.close();
    await iss.close();
  });

  it('lets a live session through with its claims in req.auth', async () => {
    const { token, sub, sid } = await iss.login();
    const answer = await get(`${url}/orders`, bearer(token));
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, { user: sub, session: sid });
  });

  it('401 invalid_token with the Bearer challenge; logout is honoured on the next request', async () => {
    const before = handled;
    const missing = await get(`${url}/orders`);
    assert.equal(missing.status, 401);
    assert.deepEqual(missing.body, { error: 'invalid_token', message: 'Missing bearer token' });
    assert.equal(missing.headers['www-authenticate'], 'Bearer error="invalid_token"');
    assert.match(String(missing.headers['content-type']), /^application\/json/);

    const malformed = await get(`${url}/orders`, { authorization: 'Bearer' });
    assert.equal(malformed.status, 401);

    const { token, sub, sid } = await iss.login();
    assert.equal((await get(`${url}/orders`, bearer(token))).status, 200);
    iss.logout(sub, sid);
    const ended = await get(`${url}/orders`, bearer(token));
    assert.equal(ended.status, 401);
    assert.deepEqual(ended.body, {
      error: 'invalid_token',
      message: 'The session of this access token has ended',
    });
    assert.equal(handled, before + 1);
    assert.equal(refused.at(-1)?.code, 'ERR_SESSION_ENDED');
  });

  it('400 invalid_request for two Authorization headers', async () => {
    const { token } = await iss.login();
    const answer = await get(`${url}/orders`, { authorization: [`Bearer ${token}`, 'Bearer x.y.z'] });
    assert.equal(answer.status, 400);
    assert.equal((answer.body as { error: string }).error, 'invalid_request');
  });

  it('503 unavailable with Retry-After when introspection does not answer, within the bound', async () => {
    const { token } = await iss.login();
    iss.behaviour.introspect = 'hang';
    try {
      const answer = await get(`${url}/orders`, bearer(token));
      assert.equal(answer.status, 503);
      assert.deepEqual(answer.body, {
        error: 'unavailable',
        message: 'The session could not be checked; try again shortly',
      });
      assert.equal(answer.headers['retry-after'], '1');
      // At the 300 ms timeout, not before; after it by no more than a busy machine's late timers.
      assert.ok(
        answer.elapsedMs >= 250 && answer.elapsedMs < 300 + 5000,
        `answered after ${Math.round(answer.elapsedMs)} ms`,
      );
      assert.equal(refused.at(-1)?.code, 'ERR_INTROSPECTION_UNAVAILABLE');
    } finally {
      iss.behaviour.introspect = 'ok';
    }
    assert.equal((await get(`${url}/orders`, bearer(token))).status, 200);
  });

  it('leaves routes without the middleware alone', async () => {
    const answer = await get(`${url}/public`);
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, { auth: null });
  });
});
