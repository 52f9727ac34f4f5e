/**
 * The BUILT CLI (`node dist/src/cli.js loadtest`, which loads the built package) against a
 * real tollgate (built, on a real redis-server and PostgreSQL) for a short bounded run: thresholds,
 * comparison and exit codes; plus exit codes against the fake server.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadtestReport } from '../../src/report-schema.js';
import { startFakeAuthServer } from '../helpers/fake-auth-server.js';
import { freePort } from '../../../../test/helpers/ports.js';
import { postgresDatabase } from '../../../../test/helpers/postgres-server.js';
import { startRedis, type RedisServerHandle } from '../../../../test/helpers/redis-server.js';
import { CLI, startTollgate, type TollgateProcess } from '../../../../test/helpers/tollgate-process.js';

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI with a hard time bound. */
function loadtestCli(args: string[], timeoutMs = 40_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'loadtest', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`loadtest CLI did not finish in ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const built = existsSync(CLI);
let dir: string;
let redis: RedisServerHandle | undefined;
let server: TollgateProcess | undefined;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lt-e2e-'));
  if (!built) return;
  let databaseUrl: string;
  [redis, databaseUrl] = await Promise.all([startRedis(), postgresDatabase()]);
  server = await startTollgate({
    env: {
      REDIS_URL: redis.url,
      DATABASE_URL: databaseUrl,
      WORKERS: '2',
      LOGIN_MAX_FAILURES_PER_IP: '100000',
    },
    readyTimeoutMs: 20_000,
  });
});

after(async () => {
  await server?.stop();
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test(
  'a short auth-flow run against the real server: JSON report, no failures, no stale accepts',
  { skip: !built },
  async () => {
    const json = join(dir, 'run.json');
    const res = await loadtestCli([
      '--url',
      server!.url,
      '--users',
      '12',
      '--accounts',
      '4',
      '--duration',
      '3',
      '--verifies-per-flow',
      '3',
      '--refresh-probability',
      '0.5',
      '--generators',
      '2',
      '--json',
      json,
      '--quiet',
      '--fail-on-stale',
      '--threshold',
      'verify.p95<5000',
      '--threshold',
      'stale_accepts==0',
    ]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /stale accepts: 0/);
    assert.match(res.stdout, /thresholds: all met\n {2}ok +verify\.p95<5000/);
    const r = JSON.parse(readFileSync(json, 'utf8')) as LoadtestReport;
    assert.equal(r.schema, 'tollgate-loadtest/v2');
    assert.equal(r.stale_accepts, 0, 'always present');
    assert.deepEqual(
      r.thresholds.map((t) => [t.expression, t.ok]),
      [
        ['verify.p95<5000', true],
        ['stale_accepts==0', true],
      ],
    );
    assert.equal(r.config.generators, 2);
    assert.equal(r.setup.created + r.setup.existing, 4);
    assert.equal(r.stop_reason, 'duration');
    for (const e of ['login', 'verify', 'logout', 'revoked_check'])
      assert.ok(r.endpoints[e]!.requests > 0, e);
    assert.equal(r.errors.stale_accept ?? 0, 0);
    // The only failure allowed: a login shed with 503 + Retry-After when the shared
    // machine is too busy to hash in time (the server's documented overload answer).
    assert.deepEqual(
      Object.keys(r.errors).filter((k) => k !== 'login_503'),
      [],
    );
    assert.equal(r.totals.failed, r.errors.login_503 ?? 0);
    assert.ok(r.flows!.completed > 0);
    assert.equal(r.endpoints.revoked_check!.statuses['401'], r.endpoints.revoked_check!.requests);
    assert.ok(r.totals.latency_ms.p95 > 0 && r.totals.latency_ms.p95 <= r.totals.latency_ms.max);
    assert.ok(r.timeseries.length >= 3);
    assert.ok(r.totals.rps > 0);

    // A verify run with a threshold it cannot meet, compared with the auth-flow run.
    const again = await loadtestCli([
      '--url',
      server!.url,
      '--scenario',
      'verify',
      '--users',
      '4',
      '--accounts',
      '4',
      '--iterations',
      '20',
      '--compare',
      json,
      '--threshold',
      'verify.p95<0.001',
      '--quiet',
    ]);
    assert.equal(again.code, 3, again.stderr);
    assert.match(again.stdout, /BREACHED +verify\.p95<0\.001/);
    assert.match(again.stderr, /threshold breached: verify\.p95<0\.001/);
    assert.doesNotMatch(again.stdout, /flows/, 'verify reports no flow line');
    assert.match(again.stdout, /sessions logged in before the start 4/);
    assert.match(again.stdout, /compared with .*run\.json/);
    assert.match(
      again.stdout,
      /warning: the two runs differ in configuration[^]*scenario: auth-flow -> verify/,
    );
    assert.match(again.stdout, /verify\.p95_ms/);

    // Offline: a report against itself is no regression; a slower copy is (exit 4). Both
    // copies count 1,000 requests, so that p95 is gated whatever this short run measured.
    const same = await loadtestCli(['compare', json, json]);
    assert.equal(same.code, 0, same.stderr);
    assert.match(same.stdout, /no regression beyond the noise band \(±10 %\)/);
    const base = join(dir, 'base.json');
    r.totals.requests = Math.max(r.totals.requests, 1000);
    writeFileSync(base, JSON.stringify(r));
    const slower = join(dir, 'slower.json');
    r.totals.rps /= 2;
    r.totals.latency_ms.p95 *= 3;
    writeFileSync(slower, JSON.stringify(r));
    const worse = await loadtestCli(['compare', base, slower, '--json', join(dir, 'cmp.json')]);
    assert.equal(worse.code, 4, worse.stderr);
    assert.match(worse.stdout, /regressions beyond the noise band \(±10 %\): total\.rps, total\.p95_ms/);
    const cmp = JSON.parse(readFileSync(join(dir, 'cmp.json'), 'utf8')) as { regressions: string[] };
    assert.deepEqual(cmp.regressions, ['total.rps', 'total.p95_ms']);
    const missing = await loadtestCli(['compare', json, join(dir, 'nope.json')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /cannot read a JSON report/);
  },
);

test('an unreachable target: exit code 1 and a clear message', { skip: !built }, async () => {
  const port = await freePort();
  const res = await loadtestCli(['--url', `http://127.0.0.1:${port}`, '--users', '1', '--duration', '1']);
  assert.equal(res.code, 1);
  assert.match(res.stderr, /target http:\/\/127\.0\.0\.1:\d+ is unreachable \(ECONNREFUSED\)/);
});

test('a remote target is refused without --allow-remote', { skip: !built }, async () => {
  const res = await loadtestCli(['--url', 'http://192.0.2.1:80', '--users', '1', '--duration', '1']);
  assert.equal(res.code, 1);
  assert.match(res.stderr, /not a loopback address/);
});

test('--fail-on-stale exits 2 when a logged-out token is accepted', { skip: !built }, async () => {
  const fake = await startFakeAuthServer({ staleAfterLogout: true });
  try {
    const res = await loadtestCli([
      '--url',
      fake.url,
      '--users',
      '3',
      '--iterations',
      '2',
      '--quiet',
      '--fail-on-stale',
    ]);
    assert.equal(res.code, 2, res.stderr);
    assert.match(res.stdout, /stale accepts: 6/);
    assert.match(res.stderr, /6 stale accept\(s\)/);
  } finally {
    await fake.close();
  }
});
