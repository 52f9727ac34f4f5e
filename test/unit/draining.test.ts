/**
 * While the server drains (close() has begun), a request that still arrives on an open
 * keep-alive connection gets the catalogue's 503 `shutting_down` with Retry-After and
 * Connection: close, and the request already in flight completes normally.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { composeTestApp } from '../helpers/app.js';
import { signal, waitFor, within } from '../helpers/wait.js';

describe('draining', () => {
  it('answers late requests on open connections with 503 shutting_down, finishing in-flight ones', async () => {
    const t = await composeTestApp();
    const { app } = t.composition;
    const started = signal();
    const release = signal();
    app.get('/slow', async () => {
      started.resolve();
      await release.promise;
      return { ok: true };
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    let lateSeen = false;
    app.server.on('request', (req: { url?: string }) => {
      if (req.url === '/health/live') lateSeen = true;
    });
    const { port } = app.server.address() as { port: number };
    // A raw keep-alive connection: the second request is written after draining began,
    // while the first is still being answered.
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.setEncoding('utf8').on('data', (d: string) => (received += d));
    const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    try {
      socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
      await within(started.promise, 5000, 'the slow request to start');
      const closing = t.close();
      // Fastify stops listening after its preClose hooks ran: from then on it is draining.
      await waitFor(() => !app.server.listening, { timeoutMs: 5000, intervalMs: 5, what: 'draining' });
      socket.write('GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n');
      await waitFor(() => lateSeen, { timeoutMs: 5000, intervalMs: 5, what: 'the late request' });
      release.resolve();
      await within(ended, 5000, 'the server to answer both and close the connection');
      await closing;
    } finally {
      release.resolve();
      socket.destroy();
    }
    const [first, second] = received.split(/(?=HTTP\/1\.1 )/);
    assert.match(first ?? '', /^HTTP\/1\.1 200 /);
    assert.match(first ?? '', /\{"ok":true\}$/);
    assert.match(second ?? '', /^HTTP\/1\.1 503 /);
    assert.match(second ?? '', /\r\nretry-after: 1\r\n/i);
    assert.match(second ?? '', /\r\nconnection: close\r\n/i);
    const body = (second ?? '').slice((second ?? '').indexOf('\r\n\r\n') + 4);
    assert.deepEqual(JSON.parse(body), {
      error: 'shutting_down',
      message: 'The server is shutting down; retry shortly',
    });
  });
});
