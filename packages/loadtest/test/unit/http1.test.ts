/** The HTTP/1.1 parts of the generator's client: request bytes, response parsing, timeouts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { encodeRequest } from '../../src/http1/request.js';
import { ResponseParser } from '../../src/http1/response-parser.js';
import { LoadClient } from '../../src/http-client.js';
import { Recorder } from '../../src/recorder.js';

/** Feeds `text` to a fresh parser in pieces of `step` bytes; returns the parser when complete. */
function parse(text: string, step: number, wantBody = true): ResponseParser {
  const p = new ResponseParser();
  p.reset(wantBody);
  const buf = Buffer.from(text, 'latin1');
  let done = false;
  for (let i = 0; i < buf.length; i += step) {
    assert.equal(done, false, 'no bytes after the end');
    done = p.feed(buf.subarray(i, i + step));
  }
  assert.equal(done || p.finishOnClose(), true, 'complete');
  return p;
}

test('request bytes: method, path, host, bearer token, JSON body with its length', () => {
  const get = encodeRequest('127.0.0.1:8000', { method: 'GET', path: '/api/protected', token: 'abc' });
  assert.equal(
    get.toString('latin1'),
    'GET /api/protected HTTP/1.1\r\nhost: 127.0.0.1:8000\r\nauthorization: Bearer abc\r\n\r\n',
  );
  const post = encodeRequest('h', { method: 'POST', path: '/auth/login', body: { email: 'é' } });
  assert.match(
    post.toString('utf8'),
    /content-type: application\/json\r\ncontent-length: 14\r\n\r\n\{"email":"é"\}$/,
  );
  assert.match(
    encodeRequest('h', { method: 'POST', path: '/auth/logout' }).toString(),
    /content-length: 0\r\n\r\n$/,
  );
});

test('responses parse whole or byte by byte: content-length, chunked, until close, 204', () => {
  for (const step of [1, 3, 1000]) {
    const cl = parse('HTTP/1.1 200 OK\r\nContent-Length: 11\r\nRetry-After: 2\r\n\r\n{"a":"xyz"}', step);
    assert.equal(cl.status, 200);
    assert.equal(cl.retryAfterS, 2);
    assert.equal(cl.keepAlive, true);
    assert.deepEqual(JSON.parse(cl.bodyText()), { a: 'xyz' });

    const chunked = parse(
      'HTTP/1.1 503 Service Unavailable\r\ntransfer-encoding: chunked\r\n\r\n4\r\n{"a"\r\n5;x=1\r\n:"b"}\r\n0\r\nx-trailer: 1\r\n\r\n',
      step,
    );
    assert.equal(chunked.status, 503);
    assert.equal(chunked.bodyText(), '{"a":"b"}');

    const close = parse('HTTP/1.0 200 OK\r\n\r\nhello', step);
    assert.equal(close.keepAlive, false);
    assert.equal(close.bodyText(), 'hello');

    const empty = parse('HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n', step);
    assert.equal(empty.status, 204);
    assert.equal(empty.keepAlive, false);
  }
  // A body nobody needs is not kept.
  assert.equal(parse('HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\nabc', 2, false).bodyText(), '');
  assert.throws(() => parse('SSH-2.0-OpenSSH\r\n\r\n', 100), /not an HTTP\/1\.x response/);
});

/** A raw TCP server: `reply(n)` decides what the n-th request (0-based) gets. */
async function rawServer(
  reply: (n: number, socket: Socket) => void,
): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let n = 0;
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('data', () => {
      if (!socket.writableEnded) reply(n++, socket);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

const OK = 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}';

test('one connection is reused; a reused connection closed by the server is retried once, unseen', async () => {
  const server = await rawServer((n, socket) => {
    socket.write(OK);
    if (n === 1) socket.end(); // the server closes its side after the 2nd answer
  });
  const recorder = new Recorder(Date.now());
  const client = new LoadClient({ url: server.url, connections: 1, timeoutMs: 2_000 }, recorder);
  try {
    for (let i = 0; i < 4; i++) {
      const res = await client.send('verify', { method: 'GET', path: '/' });
      assert.equal(res.status, 200, `request ${i}`);
    }
    assert.equal(recorder.requests, 4);
    assert.equal(recorder.failed, 0);
  } finally {
    client.close();
    await server.close();
  }
});

test('a response that never comes is a timeout (one sweeper, no timer per request)', async () => {
  const server = await rawServer(() => undefined);
  const recorder = new Recorder(Date.now());
  const client = new LoadClient({ url: server.url, connections: 4, timeoutMs: 150 }, recorder);
  try {
    const results = await Promise.all(
      [0, 1, 2].map(() => client.send('verify', { method: 'GET', path: '/api/protected' })),
    );
    for (const r of results) assert.equal(r.transportError, 'timeout');
    assert.deepEqual(recorder.errors, { verify_0: 3, timeout: 3 });
  } finally {
    client.close();
    await server.close();
  }
});

test('the hard stop cancels requests in flight without counting them as failures', async () => {
  const server = await rawServer(() => undefined);
  const recorder = new Recorder(Date.now());
  const client = new LoadClient({ url: server.url, connections: 2, timeoutMs: 10_000 }, recorder);
  try {
    const pending = [0, 1, 2].map(() => client.send('verify', { method: 'GET', path: '/' }));
    setTimeout(() => client.abort(), 50);
    const results = await Promise.all(pending);
    assert.deepEqual(
      results.map((r) => r.aborted),
      [true, true, true],
    );
    assert.equal(client.aborted, 3);
    assert.equal(recorder.requests, 0);
  } finally {
    client.close();
    await server.close();
  }
});
