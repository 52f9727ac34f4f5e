/**
 * While the server drains (close() has begun), a request that still arrives on an open
 * keep-alive connection gets the catalogue's 503 with Retry-After and Connection: close,
 * and the request already in flight completes normally.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Client } from 'undici';
import { buildApp } from '../../src/app.js';
import { buildKeySet, generateSigningKeyPem } from '../../src/auth/keys.js';
import { loadConfig } from '../../src/config/load.js';
import { MemoryStore } from '../../src/store/memory-store.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('draining', () => {
  it('answers late requests on open connections with 503 unavailable, finishing in-flight ones', async () => {
    const store = new MemoryStore();
    const app = await buildApp(loadConfig({}, { skipEnvFiles: true }), {
      store,
      keys: await buildKeySet(generateSigningKeyPem()),
    });
    let release: (() => void) | undefined;
    app.get('/slow', () => new Promise((resolve) => (release = () => resolve({ ok: true }))));
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    // Pipelining puts the second request on the same, still busy, connection.
    const client = new Client(url, { pipelining: 2 });
    try {
      const inFlight = client.request({ path: '/slow', method: 'GET' });
      for (let i = 0; i < 100 && !release; i++) await sleep(10);
      assert.ok(release, 'the slow request reached the server');
      const closing = app.close();
      await sleep(20);
      const late = client.request({ path: '/health/live', method: 'GET' });
      await sleep(50);
      release();

      const first = await inFlight;
      assert.equal(first.statusCode, 200);
      assert.deepEqual(await first.body.json(), { ok: true });
      const second = await late;
      assert.equal(second.statusCode, 503);
      assert.equal(second.headers['retry-after'], '1');
      assert.equal(second.headers.connection, 'close');
      assert.equal(((await second.body.json()) as { error: string }).error, 'unavailable');
      await closing;
    } finally {
      await client.close().catch(() => undefined);
      await store.close();
    }
  });
});
