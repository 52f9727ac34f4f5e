/**
 * The key set: fetched once and cached; an unknown kid triggers one refetch, at most
 * one per cooldown however many forged kids arrive; every fetch is bounded; when no
 * usable key set can be had the request is refused with a 503, never accepted.
 */
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createVerifier,
  JwksUnavailableError,
  TokenKeyUnknownError,
  type Verifier,
  type VerifierOptions,
} from '../src/index.js';
import { startIssuer, type TestIssuer } from './helpers/issuer.js';
import { freePort } from '../../../test/helpers/ports.js';
import { waitFor } from '../../../test/helpers/wait.js';

/**
 * Cooldowns and retry windows in seconds, not hundreds of ms: on a busy machine the steps
 * that must land inside a window (making keys, signing, verifying) take hundreds of ms.
 */
const WINDOW_MS = 3000;

/** Sleeps until at least `ms` have passed since `since` (a `Date.now()` value). */
async function sleepUntil(since: number, ms: number): Promise<void> {
  const left = since + ms - Date.now();
  if (left > 0) await sleep(left + 20);
}

describe('key set cache', () => {
  let iss: TestIssuer;
  const verifiers: Verifier[] = [];

  function make(jwks: VerifierOptions['jwks'] = {}): Verifier {
    const v = createVerifier({
      baseUrl: iss.url,
      issuer: iss.issuer,
      audience: iss.audience,
      jwks,
      session: { mode: 'introspect', clientId: iss.clientId, clientSecret: iss.clientSecret },
    });
    verifiers.push(v);
    return v;
  }

  beforeEach(async () => {
    iss = await startIssuer();
  });
  afterEach(async () => {
    await Promise.all(verifiers.splice(0).map((v) => v.close()));
    await iss.close();
  });

  it('fetches the key set once for many requests', async () => {
    const v = make();
    for (let i = 0; i < 20; i++) await v.verify((await iss.login()).token);
    assert.equal(iss.counts.jwks, 1);
  });

  it('a new kid (key rotation) triggers one refetch, once the cooldown allows it', async () => {
    const v = make({ cooldownMs: WINDOW_MS });
    const old = await iss.login();
    await v.verify(old.token);
    const fetched = Date.now();
    assert.equal(iss.counts.jwks, 1);

    const rotated = await iss.login({ key: await iss.rotate() });
    // Within the cooldown the new kid is unknown, and nothing is fetched.
    await assert.rejects(v.verify(rotated.token), TokenKeyUnknownError);
    assert.equal(iss.counts.jwks, 1);

    await sleepUntil(fetched, WINDOW_MS);
    assert.equal((await v.verify(rotated.token)).sid, rotated.sid);
    assert.equal(iss.counts.jwks, 2);
    // Tokens of the previous key stay valid: the key set still publishes it.
    assert.equal((await v.verify(old.token)).sid, old.sid);
    assert.equal(iss.counts.jwks, 2);
  });

  it('a flood of unknown kids costs at most one fetch per cooldown', async () => {
    const v = make({ cooldownMs: WINDOW_MS });
    // Forged before the first fetch, so that the first burst surely runs within its cooldown.
    const forged = await Promise.all(
      Array.from({ length: 50 }, async () => (await iss.login({ key: await iss.unpublishedKey() })).token),
    );
    await v.verify((await iss.login()).token);
    const fetched = Date.now();

    const burst = async () => {
      const results = await Promise.allSettled(forged.map((t) => v.verify(t)));
      for (const r of results) {
        assert.equal(r.status, 'rejected');
        assert.ok(r.reason instanceof TokenKeyUnknownError, String(r.reason));
      }
    };
    await burst(); // within the cooldown of the first fetch
    assert.equal(iss.counts.jwks, 1);
    await sleepUntil(fetched, WINDOW_MS);
    await burst(); // cooldown over: 50 concurrent unknown kids share one refetch
    assert.equal(iss.counts.jwks, 2);
    await burst();
    assert.equal(iss.counts.jwks, 2);
  });

  it('with the default 30 s cooldown, unknown kids right after a fetch cost nothing', async () => {
    const v = make();
    await v.verify((await iss.login()).token);
    for (let i = 0; i < 20; i++) {
      await assert.rejects(
        v.verify((await iss.login({ key: await iss.unpublishedKey() })).token),
        TokenKeyUnknownError,
      );
    }
    assert.equal(iss.counts.jwks, 1);
  });

  it('a key set that never answers is a 503 within the bound', async () => {
    iss.behaviour.jwks = 'hang';
    const v = make({ timeoutMs: 300 });
    const { token } = await iss.login();
    const started = performance.now();
    await assert.rejects(v.verify(token), (err: unknown) => {
      assert.ok(err instanceof JwksUnavailableError);
      assert.equal(err.reason, 'timeout');
      assert.equal(err.statusCode, 503);
      return true;
    });
    const elapsed = performance.now() - started;
    // At the 300 ms timeout, not before; after it by no more than a busy machine's late timers.
    assert.ok(elapsed >= 250 && elapsed < 300 + 5000, `refused after ${Math.round(elapsed)} ms`);
    assert.equal(iss.counts.introspect, 0);
  });

  it('a failing key set is a 503; requests within retryMs do not refetch; it recovers', async () => {
    iss.behaviour.jwks = 'error';
    const v = make({ retryMs: WINDOW_MS });
    const { token, sid } = await iss.login();
    await assert.rejects(v.verify(token), JwksUnavailableError);
    const failed = Date.now();
    for (let i = 0; i < 10; i++) await assert.rejects(v.verify(token), JwksUnavailableError);
    assert.equal(iss.counts.jwks, 1);
    iss.behaviour.jwks = 'ok';
    await sleepUntil(failed, WINDOW_MS);
    assert.equal((await v.verify(token)).sid, sid);
    assert.equal(iss.counts.jwks, 2);
  });

  it('an unreachable key set is a 503', async () => {
    const port = await freePort();
    const v = createVerifier({
      baseUrl: `http://127.0.0.1:${port}`,
      issuer: iss.issuer,
      audience: iss.audience,
      session: { mode: 'introspect', clientId: iss.clientId, clientSecret: iss.clientSecret },
    });
    verifiers.push(v);
    await assert.rejects(v.verify((await iss.login()).token), JwksUnavailableError);
    await assert.rejects(v.ready(), JwksUnavailableError);
  });

  it('past maxAge the keys are fetched again, and a key set that cannot answer then fails closed', async () => {
    const v = make({ maxAgeMs: 300, timeoutMs: 300 });
    const { token, sid } = await iss.login();
    await v.verify(token);
    await sleep(350);
    assert.equal((await v.verify(token)).sid, sid);
    assert.equal(iss.counts.jwks, 2);
    iss.behaviour.jwks = 'hang';
    await sleep(350);
    await assert.rejects(v.verify(token), JwksUnavailableError);
  });

  it('refreshes in the background before maxAge, without making the request wait', async () => {
    // The refresh starts past 80 % of maxAge: the request below must land between 8 and
    // 10 s, which leaves a busy machine's late timers 1.8 s.
    const v = make({ maxAgeMs: 10_000 });
    const { token } = await iss.login();
    await v.verify(token);
    await sleep(8200);
    iss.behaviour.jwks = 'hang';
    await v.verify(token); // still fresh: answered from the cache while a refresh starts
    await waitFor(() => iss.counts.jwks >= 2, {
      timeoutMs: 10_000,
      intervalMs: 10,
      what: 'the background refresh',
    });
    assert.equal(iss.counts.jwks, 2);
  });

  it('an unknown kid while the key set is down is a 503, not a 401', async () => {
    const v = make({ cooldownMs: 0, retryMs: 0 });
    await v.verify((await iss.login()).token);
    iss.behaviour.jwks = 'error';
    const rotated = await iss.login({ key: await iss.rotate() });
    await assert.rejects(v.verify(rotated.token), JwksUnavailableError);
  });
});
