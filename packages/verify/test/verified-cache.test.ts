/**
 * Remembered verifications: a repeated token skips the signature check, but never the
 * session check, never past its expiry, and never past a key-set refetch that dropped
 * its key.
 */
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createVerifier,
  SessionEndedError,
  TokenExpiredError,
  TokenKeyUnknownError,
  type Verifier,
  type VerifierOptions,
} from '../src/index.js';
import { startIssuer, type TestIssuer } from './helpers/issuer.js';

describe('remembered verifications', () => {
  let iss: TestIssuer;
  const verifiers: Verifier[] = [];

  function make(extra: Partial<VerifierOptions> = {}): Verifier {
    const v = createVerifier({
      baseUrl: iss.url,
      issuer: iss.issuer,
      audience: iss.audience,
      session: { mode: 'introspect', clientId: iss.clientId, clientSecret: iss.clientSecret },
      ...extra,
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

  it('still checks the session of a remembered token on every request', async () => {
    const v = make();
    const { token, sub, sid } = await iss.login();
    for (let i = 0; i < 3; i++) await v.verify(token);
    const calls = iss.counts.introspect;
    iss.logout(sub, sid);
    await assert.rejects(v.verify(token), SessionEndedError);
    assert.equal(iss.counts.introspect, calls + 1);
  });

  it('refuses a remembered token once it expires', async () => {
    const v = make({ clockToleranceSeconds: 0 });
    const { token } = await iss.login({ expiresIn: 3 }); // room for a slow machine before the first check
    const exp = (await v.verify(token)).exp;
    await v.verify(token);
    await sleep(Math.max(0, exp * 1000 - Date.now()) + 50);
    await assert.rejects(v.verify(token), TokenExpiredError);
  });

  it('refuses a remembered token whose key left the key set, after the next fetch', async () => {
    const v = make({ jwks: { cooldownMs: 200 } });
    const oldKey = iss.current;
    const old = await iss.login();
    await v.verify(old.token);
    await v.verify(old.token);
    iss.unpublish(oldKey.kid);
    const fresh = await iss.login({ key: await iss.rotate() });
    await sleep(250);
    await v.verify(fresh.token); // unknown kid: the key set is fetched again
    assert.equal(iss.counts.jwks, 2);
    await assert.rejects(v.verify(old.token), TokenKeyUnknownError);
  });

  it('verifiedCacheSize: 0 turns remembering off and behaves the same', async () => {
    const v = make({ verifiedCacheSize: 0 });
    const { token, sub, sid } = await iss.login();
    await v.verify(token);
    await v.verify(token);
    iss.logout(sub, sid);
    await assert.rejects(v.verify(token), SessionEndedError);
  });
});
