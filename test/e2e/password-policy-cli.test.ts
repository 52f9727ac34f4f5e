/**
 * The password policy in the built service, as deployed: default configuration refuses
 * common passwords (its strength thread runs from dist/, started in a directory that is
 * not the install's), the breach check talks to a range API and fails open with a
 * warning in the log, and the process still drains and exits cleanly.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, PASSWORD } from '../helpers/http.js';
import { sha1Hex, startRangeApiServer, type RangeApiServer } from '../helpers/range-api-server.js';
import { startTollgate, type TollgateProcess } from '../helpers/tollgate-process.js';
import { waitFor } from '../helpers/wait.js';

const BREACHED = 'kinetic lantern oyster 77';

describe('password policy in the built service', { timeout: 120_000 }, () => {
  let api: RangeApiServer;
  let tg: TollgateProcess;

  before(async () => {
    api = await startRangeApiServer({ [BREACHED]: 7 });
    tg = await startTollgate({
      env: {
        PASSWORD_BREACH_CHECK: 'hibp',
        PASSWORD_BREACH_CHECK_URL: api.url,
        PASSWORD_BREACH_CHECK_TIMEOUT_MS: '500',
      },
    });
  });
  after(async () => {
    await tg?.stop();
    await api?.close();
  });

  it('refuses password, 12345678 and qwertyui by default; accepts a passphrase', async () => {
    for (const password of ['password', '12345678', 'qwertyui']) {
      const r = await call(tg.url, 'POST', '/auth/register', {
        body: { email: `e2e-${password}@example.test`, password },
        timeoutMs: 20_000,
      });
      assert.equal(r.status, 400, `${password}: ${r.text}`);
      assert.equal(r.body.error, 'weak_password');
    }
    const ok = await call(tg.url, 'POST', '/auth/register', {
      body: { email: 'e2e-strong@example.test', password: PASSWORD },
    });
    assert.equal(ok.status, 201);
  });

  it('refuses a breached password, and accepts it when the range API hangs (logged)', async () => {
    const refused = await call(tg.url, 'POST', '/auth/register', {
      body: { email: 'e2e-breached@example.test', password: BREACHED },
    });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error, 'weak_password');
    assert.match(String(refused.body.message), /data breach/);

    api.mode = 'hang';
    const accepted = await call(tg.url, 'POST', '/auth/register', {
      body: { email: 'e2e-breach-down@example.test', password: BREACHED },
    });
    assert.equal(accepted.status, 201);
    const log = await waitFor(() => (/breach check failed/.test(tg.stdout()) ? tg.stdout() : ''), {
      what: 'the warning line',
    });
    assert.match(log, /"reason":"timeout"/);
    const hash = sha1Hex(BREACHED);
    for (const secret of [BREACHED, hash.slice(0, 5), hash.slice(5)]) {
      assert.ok(!(log + tg.stderr()).includes(secret), 'no password and no hash in the log');
    }
  });

  it('exits cleanly on SIGTERM with the strength thread running', async () => {
    const status = await tg.stop();
    assert.deepEqual(status, { code: 0, signal: null });
  });
});
