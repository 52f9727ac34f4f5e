/** Logs carry no secrets: query values, passwords and tokens never reach a line. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { compose } from '../../src/compose.js';
import { loadConfig } from '../../src/config/load.js';
import { createLogger, redactQuery } from '../../src/logger.js';
import { testHasher } from '../helpers/hasher.js';
import { PASSWORD, registerAndLogin } from '../helpers/http.js';

describe('logging', () => {
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
});
