/**
 * What /health and /health/redis say of the memory store: its name, nothing to reach
 * (never a 503 for the store), and /health/redis `not_configured` with the reason first.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { composeTestApp, type TestApp } from '../helpers/app.js';
import { call } from '../helpers/http.js';

const OPS = 'ops-token-for-tests-0123';

describe('health on the memory store', () => {
  let t: TestApp;
  before(async () => {
    t = await composeTestApp({ STORE: 'memory', OPS_TOKEN: OPS });
  });
  after(async () => {
    await t?.close();
  });

  it('/health names the memory store, with no Redis connection and nothing degraded', async () => {
    const r = await call(t.target, 'GET', '/health');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.status, 'ok');
    assert.equal(r.body.store, 'memory');
    assert.deepEqual(r.body.redis, { connected: false, commands_processed: 0 });
    assert.deepEqual(r.body.reasons, []);
    assert.deepEqual(r.body.warnings, []);
  });

  it('/health/redis answers not_configured, healthy, with the reason first', async () => {
    const r = await call(t.target, 'GET', '/health/redis', { token: OPS });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.status, 'not_configured');
    assert.equal(r.body.healthy, true);
    assert.equal(r.body.store, 'memory');
    assert.equal(
      (r.body.warnings as string[])[0],
      'Redis is not configured: the embedded memory store is in use (one process only).',
    );
    assert.equal('redis' in r.body, false);
  });
});
