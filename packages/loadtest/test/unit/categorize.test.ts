import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classify, transportCategory } from '../../src/categorize.js';
import { Recorder } from '../../src/recorder.js';

test('unexpected statuses are <endpoint>_<status>; no response is <endpoint>_0 plus its cause', () => {
  assert.deepEqual(classify('login', 200), { ok: true, categories: [] });
  assert.deepEqual(classify('login', 401), { ok: false, categories: ['login_401'] });
  assert.deepEqual(classify('login', 429), { ok: false, categories: ['login_429'] });
  assert.deepEqual(classify('verify', 503), { ok: false, categories: ['verify_503'] });
  assert.deepEqual(classify('verify', 0, 'timeout'), { ok: false, categories: ['verify_0', 'timeout'] });
  assert.deepEqual(classify('logout', 0, 'conn_reset'), {
    ok: false,
    categories: ['logout_0', 'conn_reset'],
  });
});

test('after logout a 401 is success and a 200 is a stale accept', () => {
  assert.deepEqual(classify('revoked_check', 401), { ok: true, categories: [] });
  assert.deepEqual(classify('revoked_check', 200), { ok: false, categories: ['stale_accept'] });
  assert.deepEqual(classify('revoked_check', 503), { ok: false, categories: ['revoked_check_503'] });
});

test('transport errors map to conn_reset / conn_refused / timeout / socket_error', () => {
  const err = (code: string): Error => Object.assign(new Error(code), { code });
  assert.equal(transportCategory(err('ECONNRESET')), 'conn_reset');
  assert.equal(transportCategory(err('UND_ERR_SOCKET')), 'conn_reset');
  assert.equal(transportCategory(err('ECONNREFUSED')), 'conn_refused');
  assert.equal(transportCategory(err('UND_ERR_HEADERS_TIMEOUT')), 'timeout');
  assert.equal(transportCategory(err('UND_ERR_CONNECT_TIMEOUT')), 'timeout');
  assert.equal(transportCategory(new Error('x', { cause: err('ECONNREFUSED') })), 'conn_refused');
  assert.equal(transportCategory(new Error('weird')), 'socket_error');
  assert.equal(transportCategory('nope'), 'socket_error');
});

test('the recorder counts per endpoint, per status and per second, and flushes completed seconds', () => {
  const t0 = 1_000_000;
  const r = new Recorder(t0);
  r.record('login', t0, t0 + 10, 200);
  r.record('login', t0 + 100, t0 + 150, 429);
  r.record('verify', t0 + 1_000, t0 + 1_005, 0, 'timeout');
  r.record('revoked_check', t0 + 1_100, t0 + 1_101, 200);
  assert.equal(r.requests, 4);
  assert.equal(r.failed, 3);
  assert.deepEqual(r.errors, { login_429: 1, verify_0: 1, timeout: 1, stale_accept: 1 });
  const first = r.flush(1);
  assert.equal(first.length, 1);
  assert.equal(first[0]!.s, 0);
  assert.equal(first[0]!.endpoints.login!.requests, 2);
  assert.equal(first[0]!.endpoints.login!.failed, 1);
  assert.deepEqual(first[0]!.errors, { login_429: 1 });
  const rest = r.flush();
  assert.deepEqual(
    rest.map((s) => [s.s, Object.keys(s.endpoints), s.errors]),
    [[1, ['verify', 'revoked_check'], { verify_0: 1, timeout: 1, stale_accept: 1 }]],
  );
  assert.deepEqual(r.flush(), []);
  const eps = r.endpoints();
  assert.deepEqual(eps.login.statuses, { '200': 1, '429': 1 });
  // Log-spaced bins: 10 ms and 50 ms land in the <=10 and <=50 bins.
  assert.equal(
    eps.login.bins.reduce((a, b) => a + b, 0),
    2,
  );
  assert.equal(eps.login.bins[6], 1);
  assert.equal(eps.login.bins[8], 1);
  assert.equal(eps.login.ok, 1);
  assert.equal(eps.verify.failed, 1);
  assert.equal(eps.refresh.requests, 0);
});
