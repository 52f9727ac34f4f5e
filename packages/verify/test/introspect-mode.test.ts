/**
 * `introspect` mode against an RFC 7662 endpoint served here: the form body and Basic
 * client auth it sends, 0 stale accepts after logout, keep-alive connections, and
 * fail-closed 503s when the endpoint hangs, fails or refuses our credentials.
 */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  createVerifier,
  IntrospectionUnavailableError,
  SessionEndedError,
  type Verifier,
} from '../src/index.js';
import { startIssuer, type TestIssuer } from './helpers/issuer.js';

describe('introspect mode', () => {
  let iss: TestIssuer;
  let verifier: Verifier;
  const extra: Verifier[] = [];

  function make(
    overrides: { clientSecret?: string; timeoutMs?: number; connections?: number } = {},
  ): Verifier {
    const v = createVerifier({
      baseUrl: iss.url,
      issuer: iss.issuer,
      audience: iss.audience,
      session: {
        mode: 'introspect',
        clientId: iss.clientId,
        clientSecret: overrides.clientSecret ?? iss.clientSecret,
        ...(overrides.timeoutMs === undefined ? {} : { timeoutMs: overrides.timeoutMs }),
        ...(overrides.connections === undefined ? {} : { connections: overrides.connections }),
      },
    });
    extra.push(v);
    return v;
  }

  before(async () => {
    iss = await startIssuer();
    verifier = createVerifier({
      baseUrl: iss.url,
      issuer: iss.issuer,
      audience: iss.audience,
      session: { mode: 'introspect', clientId: iss.clientId, clientSecret: iss.clientSecret },
    });
    await verifier.ready();
  });
  afterEach(async () => {
    iss.behaviour.introspect = 'ok';
    iss.introspectSidOverride = undefined;
    await Promise.all(extra.splice(0).map((v) => v.close()));
  });
  after(async () => {
    await verifier.close();
    await iss.close();
  });

  it('sends one form-encoded RFC 7662 request with HTTP Basic client auth per verify', async () => {
    const { token, sub, sid } = await iss.login();
    const before = iss.counts.introspect;
    const claims = await verifier.verify(`Bearer ${token}`);
    assert.equal(claims.sub, sub);
    assert.equal(claims.sid, sid);
    assert.equal(iss.counts.introspect, before + 1);
    const sent = iss.introspections.at(-1)!;
    assert.equal(sent.contentType, 'application/x-www-form-urlencoded');
    const form = new URLSearchParams(sent.body);
    assert.equal(form.get('token'), token);
    assert.equal(form.get('token_type_hint'), 'access_token');
    // RFC 6749 §2.3.1: id and secret form-encoded, joined by ':', Base64.
    const decoded = Buffer.from(sent.authorization!.replace(/^Basic /, ''), 'base64').toString('utf8');
    const [id, secret] = decoded.split(':').map((p) => decodeURIComponent(p.replace(/\+/g, ' ')));
    assert.equal(id, iss.clientId);
    assert.equal(secret, iss.clientSecret);
  });

  it('0 stale accepts: after logout the very next request is refused, every time', async () => {
    for (let i = 0; i < 100; i++) {
      const { token, sub, sid } = await iss.login();
      assert.equal((await verifier.verify(token)).sid, sid);
      iss.logout(sub, sid);
      await assert.rejects(verifier.verify(token), SessionEndedError);
    }
  });

  it('refuses when tollgate answers active for another session', async () => {
    const { token } = await iss.login();
    iss.introspectSidOverride = 'another-session';
    await assert.rejects(verifier.verify(token), SessionEndedError);
  });

  it('reuses keep-alive connections, at most `connections` of them', async () => {
    const v = make({ connections: 4 });
    const tokens = await Promise.all(Array.from({ length: 8 }, async () => (await iss.login()).token));
    const connections = iss.counts.connections;
    const calls = iss.counts.introspect;
    for (let round = 0; round < 10; round++) await Promise.all(tokens.map((t) => v.verify(t)));
    assert.equal(iss.counts.introspect, calls + 80);
    const opened = iss.counts.connections - connections;
    assert.ok(opened <= 5, `${opened} connections for 80 calls (4 allowed, and one key-set fetch)`);
  });

  it('an endpoint that never answers is a 503 within the bound', async () => {
    const v = make({ timeoutMs: 300 });
    await v.ready();
    const { token } = await iss.login();
    iss.behaviour.introspect = 'hang';
    const started = performance.now();
    await assert.rejects(v.verify(token), (err: unknown) => {
      assert.ok(err instanceof IntrospectionUnavailableError);
      assert.equal(err.reason, 'timeout');
      assert.equal(err.toResponse().headers['Retry-After'], '1');
      return true;
    });
    const elapsed = performance.now() - started;
    // At the 300 ms timeout, not before; after it by no more than a busy machine's late timers.
    assert.ok(elapsed >= 250 && elapsed < 300 + 5000, `refused after ${Math.round(elapsed)} ms`);
  });

  it('a failing endpoint is a 503, and so are refused client credentials', async () => {
    const { token } = await iss.login();
    iss.behaviour.introspect = 'error';
    await assert.rejects(verifier.verify(token), (err: unknown) => {
      assert.ok(err instanceof IntrospectionUnavailableError);
      assert.equal(err.reason, 'error');
      return true;
    });
    iss.behaviour.introspect = 'ok';
    const wrong = make({ clientSecret: 'not the secret' });
    await assert.rejects(wrong.verify(token), (err: unknown) => {
      assert.ok(err instanceof IntrospectionUnavailableError);
      assert.equal(err.reason, 'rejected');
      assert.equal(err.statusCode, 503);
      return true;
    });
  });

  it('an endpoint that went away is a 503', async () => {
    const other = await startIssuer();
    const v = createVerifier({
      baseUrl: other.url,
      issuer: other.issuer,
      audience: other.audience,
      session: { mode: 'introspect', clientId: other.clientId, clientSecret: other.clientSecret },
    });
    try {
      const { token } = await other.login();
      await v.verify(token);
      await other.close();
      await assert.rejects(v.verify(token), IntrospectionUnavailableError);
    } finally {
      await v.close();
    }
  });
});
