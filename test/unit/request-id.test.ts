/**
 * X-Request-Id: a valid incoming id is kept, a missing or unacceptable one is replaced by
 * a UUID, every response echoes it (errors included) and every line logged for the
 * request carries it as `request_id`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { compose } from '../../src/compose.js';
import { loadConfig } from '../../src/config/load.js';
import { isAcceptableRequestId, REQUEST_ID_MAX_LENGTH } from '../../src/http/request-id.js';
import { createLogger } from '../../src/logger.js';
import { composeTestApp, startTestApp, type TestApp } from '../helpers/app.js';
import { testHasher } from '../helpers/hasher.js';
import { call, registerAndLogin } from '../helpers/http.js';
import { rawRequest } from '../helpers/raw-http.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('request ids: which client ids are kept', () => {
  it('keeps 1–128 visible ASCII characters', () => {
    for (const id of [
      'a',
      '4bf92f3577b34da6a3ce929d0e0e4736', // nginx $request_id
      '0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331',
      'Root=1-67891233-abcdef012345678912345678;Parent=53995c3f42cd8ad8',
      'x'.repeat(REQUEST_ID_MAX_LENGTH),
    ]) {
      assert.ok(isAcceptableRequestId(id), id);
    }
  });

  it('refuses empty, over-long, spaced, non-ASCII, control characters and non-strings', () => {
    for (const id of [
      '',
      'x'.repeat(REQUEST_ID_MAX_LENGTH + 1),
      'two words',
      'a, b', // a repeated header, joined by Node
      'café',
      'line\nbreak',
      'tab\there',
      'nul\0',
      undefined,
      ['a', 'b'],
      42,
    ]) {
      assert.equal(isAcceptableRequestId(id), false, JSON.stringify(id));
    }
  });
});

describe('request ids on responses', () => {
  let t: TestApp;
  before(async () => {
    t = await composeTestApp();
  });
  after(async () => t?.close());

  it('echoes a valid incoming id on a success', async () => {
    const r = await call(t.target, 'GET', '/health/live', { headers: { 'x-request-id': 'edge-42.abc_DEF' } });
    assert.equal(r.status, 200);
    assert.equal(r.headers['x-request-id'], 'edge-42.abc_DEF');
  });

  it('echoes it on errors: 401, 404, 400 (bad JSON), 415, 413', async () => {
    const cases: Array<[number, string, string, Parameters<typeof call>[3]]> = [
      [401, 'GET', '/api/protected', {}],
      [404, 'GET', '/no/such/route', {}],
      [400, 'POST', '/auth/login', { raw: '{not json', headers: { 'content-type': 'application/json' } }],
      [415, 'POST', '/auth/login', { raw: 'email=a', headers: { 'content-type': 'text/plain' } }],
      [
        413,
        'POST',
        '/auth/login',
        {
          raw: JSON.stringify({ email: 'a'.repeat(20_000) }),
          headers: { 'content-type': 'application/json' },
        },
      ],
    ];
    for (const [status, method, path, options] of cases) {
      const id = `err-${status}`;
      const r = await call(t.target, method, path, {
        ...options,
        headers: { ...options?.headers, 'x-request-id': id },
      });
      assert.equal(r.status, status, `${method} ${path}: ${r.text}`);
      assert.equal(r.headers['x-request-id'], id, `${status} echoes the id`);
    }
  });

  it('generates a UUID when the header is absent, a new one per request', async () => {
    const a = await call(t.target, 'GET', '/health/live');
    const b = await call(t.target, 'GET', '/health/live');
    assert.match(a.headers['x-request-id'] ?? '', UUID);
    assert.match(b.headers['x-request-id'] ?? '', UUID);
    assert.notEqual(a.headers['x-request-id'], b.headers['x-request-id']);
  });

  it('replaces an unacceptable id with a UUID', async () => {
    for (const bad of ['x'.repeat(REQUEST_ID_MAX_LENGTH + 1), 'has space', 'caf\u00e9']) {
      const r = await call(t.target, 'GET', '/health/live', { headers: { 'x-request-id': bad } });
      assert.match(r.headers['x-request-id'] ?? '', UUID, `for ${JSON.stringify(bad.slice(0, 20))}`);
    }
  });
});

describe('request ids before routing', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(async () => t?.close());

  it('an undecodable URL (answered before any hook) still echoes the id', async () => {
    const r = await rawRequest(
      t.target as string,
      'GET /%zz HTTP/1.1\r\nHost: x\r\nX-Request-Id: bad-url-1\r\nConnection: close\r\n\r\n',
    );
    assert.equal(r.status, 400);
    assert.equal(r.headers['x-request-id'], 'bad-url-1');
  });

  it('a repeated header is refused and replaced', async () => {
    const r = await rawRequest(
      t.target as string,
      'GET /health/live HTTP/1.1\r\nHost: x\r\nX-Request-Id: one\r\nX-Request-Id: two\r\nConnection: close\r\n\r\n',
    );
    assert.equal(r.status, 200);
    assert.match(r.headers['x-request-id'] ?? '', UUID);
  });
});

interface LogLine {
  msg?: string;
  level?: number;
  request_id?: string;
  [key: string]: unknown;
}

describe('request ids in logs', () => {
  async function withLoggedApp(
    level: 'debug' | 'info',
    run: (app: Awaited<ReturnType<typeof compose>>['app']) => Promise<void>,
  ): Promise<LogLine[]> {
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => (text += d.toString()));
    const varDir = mkdtempSync(join(tmpdir(), 'tollgate-reqid-'));
    const config = loadConfig({ LOG_LEVEL: level, VAR_DIR: varDir }, { skipEnvFiles: true });
    const c = await compose(config, {
      logger: createLogger({ level, format: 'json' }, {}, out),
      hasher: testHasher,
    });
    try {
      c.app.get('/boom', async (request) => {
        request.log.info('about to fail');
        throw new Error('deliberate failure for the test');
      });
      await run(c.app);
    } finally {
      await c.close();
      rmSync(varDir, { recursive: true, force: true });
    }
    return text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as LogLine);
  }

  it('at debug, every line of a request carries its id, and only its own', async () => {
    const lines = await withLoggedApp('debug', async (app) => {
      const s = await registerAndLogin(app, 'reqid@example.test');
      await call(app, 'GET', '/api/protected', { token: s.access, headers: { 'x-request-id': 'trace-one' } });
      await call(app, 'GET', '/api/protected', { headers: { 'x-request-id': 'trace-two' } });
    });
    const one = lines.filter((l) => l.request_id === 'trace-one');
    const two = lines.filter((l) => l.request_id === 'trace-two');
    assert.deepEqual(
      one.map((l) => l.msg),
      ['incoming request', 'request completed'],
    );
    assert.deepEqual(
      two.map((l) => l.msg),
      ['incoming request', 'request completed'],
    );
    // Every per-request line of the run (register, login, the two above) has an id.
    const perRequest = lines.filter((l) => l.msg === 'incoming request' || l.msg === 'request completed');
    assert.ok(perRequest.length >= 8, `per-request lines: ${perRequest.length}`);
    for (const l of perRequest) assert.equal(typeof l.request_id, 'string', JSON.stringify(l));
    assert.ok(
      lines.every((l) => !('reqId' in l)),
      'one key for the id',
    );
  });

  it('at info, a handler line and the error handler line of a failing request carry the id', async () => {
    const lines = await withLoggedApp('info', async (app) => {
      const r = await call(app, 'GET', '/boom', { headers: { 'x-request-id': 'boom-7' } });
      assert.equal(r.status, 500);
      assert.equal(r.headers['x-request-id'], 'boom-7');
    });
    const mine = lines.filter((l) => l.request_id === 'boom-7').map((l) => l.msg);
    assert.deepEqual(mine, ['about to fail', 'internal error']);
  });

  it('a generated id is the one logged', async () => {
    let echoed: string | undefined;
    const lines = await withLoggedApp('debug', async (app) => {
      echoed = (await call(app, 'GET', '/health/live')).headers['x-request-id'];
    });
    assert.match(echoed ?? '', UUID);
    assert.equal(lines.filter((l) => l.request_id === echoed).length, 2);
  });
});
