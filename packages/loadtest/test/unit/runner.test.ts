import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SetupError } from '../../src/accounts.js';
import { resolveRunConfig, type LoadtestOptions } from '../../src/config.js';
import { runLoadtest, UnreachableError } from '../../src/runner.js';
import { freePort } from '../../../../test/helpers/ports.js';
import {
  startFakeAuthServer,
  type FakeAuthOptions,
  type FakeAuthServer,
} from '../helpers/fake-auth-server.js';

const quietLog = (): void => undefined;

async function withServer<T>(
  options: FakeAuthOptions,
  fn: (url: string, server: FakeAuthServer) => Promise<T>,
): Promise<T> {
  const server = await startFakeAuthServer(options);
  try {
    return await fn(server.url, server);
  } finally {
    await server.close();
  }
}

const run = (url: string, opts: LoadtestOptions, mode: 'inline' | 'worker' = 'inline') =>
  runLoadtest(resolveRunConfig({ url, quiet: true, generators: '1', ...opts }), { mode, log: quietLog });

test('auth-flow: login -> verify x N -> sometimes refresh -> logout -> revoked token refused', async () => {
  await withServer({}, async (url) => {
    const r = await run(url, {
      users: '10',
      iterations: '3',
      verifiesPerFlow: '2',
      refreshProbability: '0.5',
    });
    assert.equal(r.stop_reason, 'iterations');
    assert.equal(r.setup.created, 10);
    assert.deepEqual(r.flows, { started: 30, completed: 30, failed: 0 });
    assert.equal(r.endpoints.login!.requests, 30);
    assert.equal(r.endpoints.verify!.requests, 60);
    assert.equal(r.endpoints.logout!.requests, 30);
    assert.equal(r.endpoints.revoked_check!.requests, 30);
    assert.deepEqual(r.endpoints.revoked_check!.statuses, { '401': 30 });
    const refreshes = r.endpoints.refresh?.requests ?? 0;
    assert.ok(refreshes > 0 && refreshes < 30, `refreshes ${refreshes}`);
    assert.deepEqual(r.errors, {});
    assert.equal(r.totals.success_rate, 1);
    assert.equal(r.totals.requests, 30 * 4 + 30 + refreshes);
    assert.ok(r.timeseries.length >= 1);
  });
});

test('a target that accepts logged-out tokens is caught: stale_accept', async () => {
  await withServer({ staleAfterLogout: true }, async (url) => {
    const r = await run(url, { users: '4', iterations: '5', verifiesPerFlow: '1', refreshProbability: '0' });
    assert.equal(r.errors.stale_accept, 20);
    assert.deepEqual(r.endpoints.revoked_check!.statuses, { '200': 20 });
    assert.equal(r.flows!.failed, 20);
  });
});

test('login 429 is counted as login_429 and its Retry-After is honoured', async () => {
  await withServer({ loginStatus: 429 }, async (url) => {
    const r = await run(url, { users: '2', duration: '1.5', grace: '500' });
    const n = r.errors.login_429 ?? 0;
    // Retry-After: 1 -> each user tries at t=0 and t=1 s (not hundreds of times).
    assert.ok(n >= 2 && n <= 6, `login_429 ${n}`);
    assert.equal(r.totals.success_rate, 0);
    assert.equal(r.flows!.completed, 0);
  });
});

test('login 503 is counted as login_503 with the unavailable body', async () => {
  await withServer({ loginStatus: 503 }, async (url) => {
    const r = await run(url, { users: '1', iterations: '2', scenario: 'login' });
    assert.equal(r.errors.login_503, 2);
  });
});

test('verify scenario logs in once per user before the start, then only calls the protected route', async () => {
  await withServer({}, async (url, fake) => {
    const r = await run(url, { scenario: 'verify', users: '5', iterations: '20' });
    assert.deepEqual(r.setup.sessions, { logged_in: 5, failed: 0 });
    assert.equal(fake.counts['POST /auth/login'], 5);
    assert.equal(r.endpoints.login, undefined, 'setup logins are not part of the measurement');
    assert.equal(r.endpoints.verify!.requests, 100);
    assert.equal(r.endpoints.logout, undefined);
    assert.equal(r.flows, null, 'verify has no flows');
  });
});

test('verify setup logs users in a few at a time and waits out every shed login (Retry-After)', async () => {
  // The target sheds logins beyond 2 at a time with 503 + Retry-After: 1.
  await withServer({ maxConcurrentLogins: 2, loginDelayMs: 30 }, async (url, fake) => {
    const r = await run(url, { scenario: 'verify', users: '8', iterations: '5', setupConcurrency: '4' });
    assert.ok((fake.counts.shed ?? 0) > 0, 'the target did shed some setup logins');
    assert.deepEqual(r.setup.sessions, { logged_in: 8, failed: 0 });
    assert.equal(fake.counts['POST /auth/login'], 8 + fake.counts.shed!);
    assert.deepEqual(r.errors, {});
    assert.equal(r.endpoints.verify!.requests, 40);
  });
});

test('no response at all is <endpoint>_0 with its transport cause', async () => {
  await withServer({ loginDelayMs: 400 }, async (url) => {
    const r = await run(url, { users: '2', iterations: '1', timeout: '100', scenario: 'login' });
    assert.equal(r.errors.login_0, 2);
    assert.equal(r.errors.timeout, 2);
    assert.deepEqual(r.endpoints.login!.statuses, { '0': 2 });
  });
});

test('worker-thread generators: counts of several generators are merged', async () => {
  await withServer({}, async (url) => {
    const r = await run(
      url,
      { users: '6', iterations: '2', generators: '2', verifiesPerFlow: '1' },
      'worker',
    );
    assert.equal(r.config.generators, 2);
    assert.deepEqual(r.flows, { started: 12, completed: 12, failed: 0 });
    assert.equal(r.endpoints.login!.requests, 12);
    assert.equal(r.errors.stale_accept ?? 0, 0);
  });
});

test('accounts: a fixed prefix is reused across runs (409 = exists)', async () => {
  await withServer({}, async (url) => {
    const opts = { users: '3', iterations: '1', accountPrefix: 'fixed-prefix', scenario: 'login' };
    const first = await run(url, opts);
    const second = await run(url, opts);
    assert.deepEqual([first.setup.created, first.setup.existing], [3, 0]);
    assert.deepEqual([second.setup.created, second.setup.existing], [0, 3]);
    const skipped = await run(url, { ...opts, skipSetup: true });
    assert.equal(skipped.setup.skipped, true);
    assert.equal(skipped.flows!.completed, 3);
  });
});

test('a target that refuses registration stops the run with a clear message', async () => {
  await withServer({ registrationDisabled: true }, async (url) => {
    await assert.rejects(run(url, { users: '20', iterations: '1' }), (err: unknown) => {
      assert.ok(err instanceof SetupError);
      assert.match(err.message, /no account could be registered.*HTTP 404/);
      return true;
    });
  });
});

test('an unreachable target fails fast with a clear message', async () => {
  const port = await freePort();
  await assert.rejects(run(`http://127.0.0.1:${port}`, { users: '1', iterations: '1' }), (err: unknown) => {
    assert.ok(err instanceof UnreachableError);
    assert.match(err.message, /unreachable \(ECONNREFUSED\).*is the server running/);
    return true;
  });
});

test('an external stop signal ends a long run early and says so', async () => {
  await withServer({}, async (url) => {
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 700);
    const started = Date.now();
    const r = await runLoadtest(resolveRunConfig({ url, users: '3', duration: '60', quiet: true }), {
      mode: 'inline',
      log: quietLog,
      stop: stop.signal,
    });
    assert.ok(Date.now() - started < 5_000);
    assert.equal(r.stop_reason, 'interrupted');
    assert.ok(r.flows!.completed > 0);
  });
});
