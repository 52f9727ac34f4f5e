/** Logs carry no secrets: query values, passwords and tokens never reach a line. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { compose } from '../../src/compose.js';
import { loadConfig } from '../../src/config/load.js';
import Fastify from 'fastify';
import { startupSummary } from '../../src/config/redact.js';
import { createLogger, lazyChildLoggerFactory, prettyDestination, redactQuery } from '../../src/logger.js';
import { testHasher } from '../helpers/hasher.js';
import { PASSWORD, registerAndLogin } from '../helpers/http.js';

describe('logging', () => {
  it('the pretty format writes one line per event, the start-up summary and an error included', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => (text += d.toString()));
    const logger = createLogger(
      { level: 'info', format: 'pretty' },
      {},
      prettyDestination({ destination: out, colorize: false }),
    );
    const varDir = mkdtempSync(join(tmpdir(), 'tollgate-log-'));
    try {
      const config = loadConfig({ VAR_DIR: varDir, WORKERS: '1' }, { skipEnvFiles: true });
      logger.info(startupSummary(config), 'starting tollgate');
      logger.warn({ nested: { a: 1, b: [1, 2] } }, 'second event');
      logger.error({ err: new Error('boom') }, 'third event');
      await new Promise((r) => setImmediate(r));
      const lines = text.split('\n').filter((l) => l !== '');
      assert.equal(lines.length, 3, text);
      assert.match(lines[0]!, /INFO.*starting tollgate.*"store":/);
      assert.match(lines[1]!, /WARN.*second event.*"nested":\{"a":1,"b":\[1,2\]\}/);
      assert.match(lines[2]!, /ERROR.*third event.*"message":"boom"/);
    } finally {
      rmSync(varDir, { recursive: true, force: true });
    }
  });

  it('redacts query values but keeps the path and parameter names', () => {
    assert.equal(redactQuery('/a/b?access_token=SECRET&x=1'), '/a/b?access_token=[redacted]&x=[redacted]');
    assert.equal(redactQuery('/plain'), '/plain');
    assert.equal(redactQuery('/q?'), '/q?');
  });

  it('at debug level, request logs carry no query value, password or token', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => (text += d.toString()));
    const varDir = mkdtempSync(join(tmpdir(), 'tollgate-log-'));
    const config = loadConfig({ LOG_LEVEL: 'debug', VAR_DIR: varDir }, { skipEnvFiles: true });
    const c = await compose(config, {
      logger: createLogger({ level: 'debug', format: 'json' }, {}, out),
      hasher: testHasher,
    });
    try {
      const s = await registerAndLogin(c.app, 'logs@example.test');
      await c.app.inject({ method: 'GET', url: `/api/protected?access_token=${s.access}&q=SECRET-QUERY` });
      await c.app.inject({
        method: 'GET',
        url: '/api/protected',
        headers: { authorization: `Bearer ${s.access}` },
      });
    } finally {
      await c.close();
      rmSync(varDir, { recursive: true, force: true });
    }
    assert.match(text, /incoming request/, 'request logging is on at debug');
    assert.match(text, /access_token=\[redacted\]/);
    for (const secret of ['SECRET-QUERY', PASSWORD, 'eyJ'])
      assert.ok(!text.includes(secret), `no ${secret} in logs`);
  });

  it('a request logger costs nothing below the level, and logs with the request id above it', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => (text += d.toString()));
    const logger = createLogger({ level: 'warn', format: 'json' }, {}, out);
    let children = 0;
    const child = logger.child.bind(logger);
    logger.child = ((...args: Parameters<typeof child>) => (
      children++,
      child(...args)
    )) as typeof logger.child;
    const app = Fastify({
      loggerInstance: logger,
      childLoggerFactory: lazyChildLoggerFactory as never,
      genReqId: () => 'req-42',
    });
    app.get('/quiet', async (request) => {
      request.log.info({ detail: 'dropped' }, 'below the level');
      return { ok: true };
    });
    app.get('/loud', async (request) => {
      request.log.warn({ detail: 'kept' }, 'at the level');
      return { ok: true };
    });
    try {
      await app.ready();
      children = 0;
      assert.equal((await app.inject({ method: 'GET', url: '/quiet' })).statusCode, 200);
      assert.equal(children, 0, 'no child logger made for a request that logs nothing');
      assert.equal(text, '');
      assert.equal((await app.inject({ method: 'GET', url: '/loud' })).statusCode, 200);
      assert.equal(children, 1);
      const line = JSON.parse(text.trim()) as Record<string, unknown>;
      assert.equal(line.msg, 'at the level');
      assert.equal(line.detail, 'kept');
      assert.equal(line.request_id, undefined, "the request id label is the app's (see buildApp)");
      assert.equal(line.reqId, 'req-42');
    } finally {
      await app.close();
    }
  });
});
