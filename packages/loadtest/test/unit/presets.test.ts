import { test } from 'node:test';
import assert from 'node:assert/strict';
import { autoGenerators, resolveRunConfig } from '../../src/config.js';
import { PRESETS, getPreset } from '../../src/presets.js';
import { checkTarget, isLoopbackHost } from '../../src/target.js';

test('presets are named after the old reports: closed loop, auth flow, no think time', () => {
  const users = Object.fromEntries(Object.entries(PRESETS).map(([k, p]) => [k, p.users]));
  assert.deepEqual(users, {
    baseline: 500,
    stress: 1_000,
    ultimate: 2_000,
    '5k': 5_000,
    '10k': 10_000,
    soak: 200,
  });
  for (const name of ['baseline', 'stress', 'ultimate', '5k', '10k']) {
    const p = getPreset(name);
    assert.equal(p.model, 'closed');
    assert.equal(p.scenario, 'auth-flow');
    assert.equal(p.thinkTimeMs, 0);
  }
  assert.equal(getPreset('soak').watchMemory, true);
  assert.ok(getPreset('soak').durationS >= 600);
  assert.throws(() => getPreset('nope'), /unknown preset "nope"/);
});

test('a preset gives defaults that options override, and every run is bounded', () => {
  const run = resolveRunConfig({ preset: 'stress', duration: '25' });
  assert.equal(run.users, 1_000);
  assert.equal(run.durationS, 25);
  assert.equal(run.scenario, 'auth-flow');
  assert.equal(run.thinkTimeMs, 0);
  assert.equal(run.url, 'http://127.0.0.1:8000');
  assert.ok(run.maxDurationS >= 25 && run.maxDurationS <= 25 + 120);
  const it = resolveRunConfig({ users: '5', iterations: '3' });
  assert.equal(it.durationS, undefined);
  assert.equal(it.iterations, 3);
  assert.equal(it.maxDurationS, 600);
  const dflt = resolveRunConfig({});
  assert.equal(dflt.durationS, 30);
});

test('the open model needs a rate and a duration', () => {
  assert.throws(() => resolveRunConfig({ model: 'open' }), /needs --rate/);
  const open = resolveRunConfig({ rate: '200', scenario: 'verify', duration: '5' });
  assert.equal(open.model, 'open');
  assert.equal(open.rate, 200);
  assert.throws(() => resolveRunConfig({ rate: '200', iterations: '5' }), /bounded by --duration/);
});

test('option values are validated with a message naming the option', () => {
  assert.throws(() => resolveRunConfig({ users: '0' }), /--users/);
  assert.throws(() => resolveRunConfig({ users: '1.5' }), /--users: expected an integer/);
  assert.throws(() => resolveRunConfig({ refreshProbability: '2' }), /--refresh-probability/);
  assert.throws(() => resolveRunConfig({ scenario: 'dance' }), /--scenario/);
  assert.throws(() => resolveRunConfig({ skipSetup: true }), /--skip-setup needs --account-prefix/);
  assert.throws(() => resolveRunConfig({ password: 'short' }), /--password/);
  assert.throws(() => resolveRunConfig({ accountPrefix: 'bad prefix!' }), /--account-prefix/);
});

test('accounts: a fresh unique prefix per run unless one is given; no unused accounts without a fixed prefix', () => {
  const a = resolveRunConfig({ users: '10' });
  const b = resolveRunConfig({ users: '10' });
  assert.notEqual(a.accountPrefix, b.accountPrefix);
  assert.equal(a.fixedPrefix, false);
  const fixed = resolveRunConfig({ users: '10', accountPrefix: 'bench-1', accounts: '50' });
  assert.equal(fixed.accountPrefix, 'bench-1');
  assert.equal(fixed.fixedPrefix, true);
  assert.equal(fixed.accounts, 50, 'a fixed prefix may register more accounts than this run uses');
  assert.equal(resolveRunConfig({ users: '10', accounts: '50' }).accounts, 10);
  assert.equal(resolveRunConfig({ users: '100', accounts: '7' }).accounts, 7);
});

test('targets: loopback only unless --allow-remote', () => {
  for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '[::1]', 'api.localhost']) {
    assert.ok(isLoopbackHost(host), host);
  }
  for (const host of ['10.0.0.1', 'example.com', '0.0.0.0', '[::]', '192.168.1.1']) {
    assert.ok(!isLoopbackHost(host), host);
  }
  assert.throws(
    () => resolveRunConfig({ url: 'http://example.com' }),
    /not a loopback address.*--allow-remote/,
  );
  assert.equal(
    resolveRunConfig({ url: 'http://example.com:8080', allowRemote: true }).url,
    'http://example.com:8080',
  );
  assert.throws(() => checkTarget('ftp://127.0.0.1', false), /only http/);
  assert.throws(() => checkTarget('http://127.0.0.1/api', false), /origin only/);
  assert.throws(() => checkTarget('not a url', false), /not a valid URL/);
});

test('generators: one per 2,000 users, at most one per core', () => {
  assert.equal(autoGenerators(500, 2), 1);
  assert.equal(autoGenerators(2_000, 2), 1);
  assert.equal(autoGenerators(10_000, 2), 2);
  assert.equal(autoGenerators(10_000, 16), 5);
  assert.equal(autoGenerators(100_000, 64), 8);
  assert.equal(resolveRunConfig({ users: '10', generators: '3' }).generators, 3);
});
