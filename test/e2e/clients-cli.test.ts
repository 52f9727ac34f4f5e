/**
 * `tollgate clients secret` from the built CLI: the printed entry, put in
 * INTROSPECTION_CLIENTS of a running tollgate, lets the printed secret introspect; the
 * same id with another secret does not. A bad id is refused.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { call, registerAndLogin } from '../helpers/http.js';
import { CLI, startTollgate } from '../helpers/tollgate-process.js';

function cli(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH ?? '' },
    encoding: 'utf8',
    timeout: 20_000,
  });
}

test('clients secret prints a secret and the INTROSPECTION_CLIENTS entry that accepts it', async () => {
  const text = cli(['clients', 'secret', '--id', 'orders-api']);
  assert.equal(text.status, 0, text.stderr);
  const secret = /^client secret: (\S+)$/m.exec(text.stdout)?.[1];
  const entry = /^ {2}(orders-api:[0-9a-f]{64})$/m.exec(text.stdout)?.[1];
  assert.ok(secret && entry, text.stdout);
  assert.equal(entry, `orders-api:${createHash('sha256').update(secret).digest('hex')}`, 'only the hash');

  const json = cli(['clients', 'secret', '--id', 'orders-api', '--json']);
  assert.equal(json.status, 0);
  const other = JSON.parse(json.stdout) as { id: string; secret: string; entry: string };
  assert.notEqual(other.secret, secret);

  const tg = await startTollgate({ env: { INTROSPECTION_CLIENTS: entry, STORE: 'memory' } });
  try {
    const s = await registerAndLogin(tg.url, `cli-client-${Date.now()}@example.test`);
    const introspect = (id: string, pw: string) =>
      call(tg.url, 'POST', '/oauth/introspect', {
        raw: `token=${s.access}`,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${id}:${pw}`).toString('base64')}`,
        },
      });
    const ok = await introspect('orders-api', secret);
    assert.equal(ok.status, 200);
    assert.equal(ok.body.active, true);
    assert.equal((await introspect('orders-api', other.secret)).status, 401);
  } finally {
    await tg.stop();
  }

  const bad = cli(['clients', 'secret', '--id', 'orders api']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /client id "orders api" must be/);
  assert.notEqual(cli(['clients', 'secret']).status, 0, '--id is required');
});
