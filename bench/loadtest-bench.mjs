#!/usr/bin/env node
/**
 * `npm run bench`: the load-test benchmark, reproducible in one go.
 *
 * Starts a real redis-server (free port, temp dir) and the built tollgate
 * (`node dist/src/cli.js serve`, WORKERS=<n>) plus a bare Fastify hello-world (same worker
 * count) as the HTTP ceiling, then runs with the built CLI (`tollgate loadtest`):
 *   - the old report's presets (baseline 500, stress 1,000, ultimate 2,000, 5k, 10k users;
 *     closed loop, auth flow, no think time), each bounded to --duration seconds;
 *   - the `verify` hot path against tollgate and against the hello-world.
 * Prints a table, writes bench/results/loadtest-<date>.{md,json} and the `## Load test`
 * section of docs/benchmarks.md. Every child process is stopped by its PID at the end.
 *
 * Options: --workers N (2) --duration S (25) --verify-duration S (20) --verify-users N (64)
 *          --accounts N (500) --presets a,b,c (baseline,stress,ultimate,5k,10k) --timeout MS (20000)
 * Internal: --serve-hello <port> <workers> runs the hello-world server.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist/src/cli.js');
const RESULTS = join(ROOT, 'bench/results');
const DOC = join(ROOT, 'docs/benchmarks.md');

/** The old system's published numbers (closed loop, login -> verify -> logout, Locust). */
const OLD = {
  baseline: { users: 500, note: 'no published numbers' },
  stress: { users: 1_000, rps: 649, p95: 1_561, success: 100.0, note: '1 worker' },
  ultimate: { users: 2_000, rps: 326, p95: 9_108, success: 99.99, note: '1 worker' },
  '5k': {
    users: 5_000,
    p99: 63_000,
    success: 99.39,
    note: '2 workers; target: >1,200 req/s, p95 <300 ms (never met)',
  },
  '10k': { users: 10_000, note: 'target: <1 % failures, p95 <500 ms (never met)' },
};

// ---------------------------------------------------------------- hello-world ceiling
async function serveHello(port, workers) {
  const cluster = (await import('node:cluster')).default;
  if (cluster.isPrimary && workers > 1) {
    for (let i = 0; i < workers; i++) cluster.fork();
    process.on('SIGTERM', () => {
      for (const w of Object.values(cluster.workers ?? {})) w?.kill('SIGTERM');
      process.exit(0);
    });
    return;
  }
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false });
  const token = 'x'.repeat(300); // about the size of a real access token
  app.get('/', async () => ({ service: 'hello', version: '0', status: 'ok' }));
  app.post('/auth/register', async (_req, reply) =>
    reply.code(201).send({ id: '1', email: 'x@example.com' }),
  );
  app.post('/auth/login', async () => ({
    access_token: token,
    refresh_token: token.slice(0, 43),
    token_type: 'bearer',
    expires_in: 900,
  }));
  app.get('/api/protected', async () => ({
    message: 'Access granted',
    user: 'lt-bench-hello-0@loadtest.example.com',
    timestamp: new Date().toISOString(),
  }));
  await app.listen({ port, host: '127.0.0.1' });
  process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

// ---------------------------------------------------------------- helpers
function args() {
  const a = process.argv.slice(2);
  const get = (name, dflt) => {
    const i = a.indexOf(`--${name}`);
    return i >= 0 && a[i + 1] !== undefined ? a[i + 1] : dflt;
  };
  return {
    workers: Number(get('workers', '2')),
    duration: Number(get('duration', '25')),
    verifyDuration: Number(get('verify-duration', '20')),
    verifyUsers: Number(get('verify-users', '64')),
    accounts: Number(get('accounts', '500')),
    timeout: Number(get('timeout', '20000')),
    presets: get('presets', 'baseline,stress,ultimate,5k,10k').split(',').filter(Boolean),
  };
}

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitHttp(url, deadlineMs, what) {
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    try {
      const res = await request(url, { headersTimeout: 1_000, bodyTimeout: 1_000 });
      await res.body.dump();
      if (res.statusCode === 200) return;
    } catch {
      /* not yet */
    }
    await sleep(200);
  }
  throw new Error(`${what} did not become ready at ${url} within ${deadlineMs} ms`);
}

const children = [];
function start(cmd, argv, opts = {}) {
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  let err = '';
  child.stderr.on('data', (d) => (err = (err + d.toString()).slice(-4_000)));
  child.stdout.on('data', () => undefined);
  children.push(child);
  child.tail = () => err;
  return child;
}

async function stopAll() {
  for (const child of children.reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

/** Runs the built CLI's loadtest with a hard bound; returns its JSON report. */
function loadtest(argv, jsonPath, boundMs) {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [CLI, 'loadtest', ...argv, '--json', jsonPath, '--quiet'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d.toString()));
    child.stderr.on('data', (d) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), boundMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0 || !existsSync(jsonPath)) return rej(new Error(`loadtest exited ${code}:\n${out}`));
      process.stdout.write(out.replace(/^/gm, '    ') + '\n');
      res(JSON.parse(readFileSync(jsonPath, 'utf8')));
    });
  });
}

/** Mean req/s over the steady part of the run (skips the first 3 s and the last, partial second). */
function steadyRps(report, endpoint) {
  const ts = report.timeseries.slice(3, -1);
  if (ts.length === 0) return endpoint ? (report.endpoints[endpoint]?.rps ?? 0) : report.totals.rps;
  // Per-second points count all endpoints; scale by the endpoint's share of requests.
  const share = endpoint
    ? (report.endpoints[endpoint]?.requests ?? 0) / Math.max(1, report.totals.requests)
    : 1;
  return (ts.reduce((a, p) => a + p.requests, 0) / ts.length) * share;
}

/**
 * Waits (bounded) until the server is idle again: a login answers within 1 s. After an
 * overloaded run the server may still be working through logins whose clients gave up.
 */
async function settle(url, prefix, boundMs = 120_000) {
  const end = Date.now() + boundMs;
  const body = JSON.stringify({ email: `${prefix}-0@loadtest.example.com`, password: 'LoadTest-Passw0rd!' });
  while (Date.now() < end) {
    const t = Date.now();
    try {
      const res = await request(`${url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        headersTimeout: 10_000,
        bodyTimeout: 10_000,
      });
      await res.body.dump();
      if (res.statusCode === 200 && Date.now() - t < 1_000) return;
    } catch {
      /* still busy */
    }
    await sleep(2_000);
  }
  console.log(`   (server still busy after ${boundMs / 1_000} s; running anyway)`);
}

const fmt = (v, digits = 0) =>
  v === undefined || v === null
    ? '–'
    : Number(v).toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function table(header, rows) {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

// ---------------------------------------------------------------- main
async function main() {
  const opt = args();
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  const date = new Date().toISOString().slice(0, 10);
  const work = mkdtempSync(join(tmpdir(), 'tollgate-bench-'));
  const command = `npm run bench${process.argv.length > 2 ? ' -- ' + process.argv.slice(2).join(' ') : ''}`;
  const startedAt = Date.now();
  try {
    // Redis.
    const redisPort = await freePort();
    mkdirSync(join(work, 'redis'));
    start('redis-server', [
      '--port',
      String(redisPort),
      '--bind',
      '127.0.0.1',
      '--dir',
      join(work, 'redis'),
      '--save',
      '',
      '--appendonly',
      'no',
      '--logfile',
      join(work, 'redis', 'redis.log'),
    ]);
    // tollgate.
    const port = await freePort();
    const server = start(process.execPath, [CLI, 'serve'], {
      cwd: work,
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
        WORKERS: String(opt.workers),
        LOG_LEVEL: 'warn',
        LOGIN_MAX_FAILURES_PER_IP: '10000000',
        LOGIN_MAX_FAILURES_PER_ACCOUNT_IP: '1000000',
      },
    });
    const url = `http://127.0.0.1:${port}`;
    await waitHttp(`${url}/health/ready`, 30_000, 'tollgate').catch((e) => {
      throw new Error(`${e.message}\n${server.tail()}`);
    });
    // Hello-world ceiling.
    const helloPort = await freePort();
    start(process.execPath, [
      fileURLToPath(import.meta.url),
      '--serve-hello',
      String(helloPort),
      String(opt.workers),
    ]);
    const helloUrl = `http://127.0.0.1:${helloPort}`;
    await waitHttp(`${helloUrl}/`, 20_000, 'hello-world');
    console.log(`tollgate ${url} (WORKERS=${opt.workers}, pid ${server.pid}), hello-world ${helloUrl}`);

    const prefix = `bench-${Date.now().toString(36)}`;
    const common = [
      '--timeout',
      String(opt.timeout),
      '--account-prefix',
      prefix,
      '--accounts',
      String(opt.accounts),
    ];
    const bound = (s) => (s + (opt.timeout / 1_000) * 2 + 300) * 1_000;
    // The verify hot path first, on a fresh server: a preset that overloads the login path
    // leaves the server hashing abandoned logins for a while afterwards.
    const verifyArgs = (u) => [
      '--url',
      u,
      '--scenario',
      'verify',
      '--users',
      String(opt.verifyUsers),
      '--duration',
      String(opt.verifyDuration),
      ...common,
    ];
    console.log(`\n== verify hot path: tollgate (${opt.verifyUsers} users, ${opt.verifyDuration} s)`);
    const verifyTg = await loadtest(verifyArgs(url), join(work, 'verify.json'), bound(opt.verifyDuration));
    console.log(
      `\n== verify hot path: bare Fastify hello-world (${opt.verifyUsers} users, ${opt.verifyDuration} s)`,
    );
    const verifyHello = await loadtest(
      [...verifyArgs(helloUrl), '--skip-setup'],
      join(work, 'hello.json'),
      bound(opt.verifyDuration),
    );
    const runs = [];
    for (const preset of opt.presets) {
      await settle(url, prefix);
      console.log(`\n== preset ${preset} (${opt.duration} s)`);
      const report = await loadtest(
        [
          '--url',
          url,
          '--preset',
          preset,
          '--duration',
          String(opt.duration),
          '--target-pid',
          String(server.pid),
          ...common,
          '--skip-setup',
        ],
        join(work, `${preset}.json`),
        bound(opt.duration),
      );
      runs.push({ name: preset, report });
    }
    // ------------------------------------------------------------ results
    const rows = runs.map(({ name, report: r }) => {
      const old = OLD[name] ?? {};
      const e = r.endpoints;
      const factor = old.p95 ? old.p95 / Math.max(0.001, r.totals.latency_ms.p95) : undefined;
      return [
        name,
        fmt(r.config.users),
        fmt(r.totals.rps),
        fmt(r.totals.latency_ms.p50, 1),
        fmt(r.totals.latency_ms.p95, 1),
        fmt(r.totals.latency_ms.p99, 1),
        fmt(r.totals.latency_ms.max, 0),
        `${fmt(r.totals.success_rate * 100, 2)} %`,
        fmt(r.totals.failed),
        fmt(r.errors.stale_accept ?? 0),
        fmt(e.login?.latency_ms.p95, 1),
        fmt(e.verify?.latency_ms.p95, 1),
        old.rps ? fmt(old.rps) : '–',
        old.p95 ? fmt(old.p95) : old.p99 ? `p99 ${fmt(old.p99)}` : '–',
        old.success ? `${fmt(old.success, 2)} %` : '–',
        factor ? `${fmt(factor, 1)}×` : '–',
      ];
    });
    const mainTable = table(
      [
        'preset',
        'users',
        'req/s',
        'p50 ms',
        'p95 ms',
        'p99 ms',
        'max ms',
        'success',
        'failures',
        'stale',
        'login p95',
        'verify p95',
        'old req/s',
        'old p95 ms',
        'old success',
        'p95 old/new',
      ],
      rows,
    );
    const vt = steadyRps(verifyTg, 'verify');
    const vh = steadyRps(verifyHello, 'verify');
    const verifyTable = table(
      [
        'target',
        'users',
        'verify req/s (steady)',
        'verify p50 ms',
        'verify p95 ms',
        'verify p99 ms',
        'failures',
        'share of ceiling',
      ],
      [
        [
          'tollgate GET /api/protected',
          fmt(opt.verifyUsers),
          fmt(vt),
          fmt(verifyTg.endpoints.verify?.latency_ms.p50, 2),
          fmt(verifyTg.endpoints.verify?.latency_ms.p95, 2),
          fmt(verifyTg.endpoints.verify?.latency_ms.p99, 2),
          fmt(verifyTg.totals.failed),
          `${fmt((vt / Math.max(1, vh)) * 100, 0)} %`,
        ],
        [
          'bare Fastify hello-world',
          fmt(opt.verifyUsers),
          fmt(vh),
          fmt(verifyHello.endpoints.verify?.latency_ms.p50, 2),
          fmt(verifyHello.endpoints.verify?.latency_ms.p95, 2),
          fmt(verifyHello.endpoints.verify?.latency_ms.p99, 2),
          fmt(verifyHello.totals.failed),
          '100 %',
        ],
      ],
    );
    const errorLines = runs
      .map(({ name, report: r }) => {
        const errs = Object.entries(r.errors)
          .sort((a, b) => b[1] - a[1])
          .map(([k, v]) => `${k}=${v}`)
          .join(', ');
        const rss = r.resources.target_rss_mb_max
          ? `; tollgate RSS max ${fmt(r.resources.target_rss_mb_max)} MB`
          : '';
        return (
          `- ${name}: flows ${r.flows.completed}/${r.flows.started} ok; errors: ${errs || 'none'}; ` +
          `cancelled at the hard end: ${r.aborted_requests}${rss}`
        );
      })
      .join('\n');
    const cpu = cpus()[0]?.model ?? 'unknown';
    const machine =
      `${cpus().length} cores (${cpu}), ${Math.round(totalmem() / 2 ** 30)} GiB RAM, shared with other work; ` +
      `Node ${process.version}; redis-server from PATH; tollgate WORKERS=${opt.workers}; ` +
      `generator threads on the same machine (auto)`;
    const md = `## Load test

Measured ${date} with \`${command}\` (${((Date.now() - startedAt) / 60_000).toFixed(1)} min in all).

Machine: ${machine}.

Old scenario: closed loop, no think time, each user: login → GET /api/protected → (10 %: refresh) →
logout → the logged-out token must be refused (a 200 there is a stale accept). Each preset runs
${opt.duration} s (+ drain), the users share ${opt.accounts} accounts, request timeout ${opt.timeout} ms.
Latencies are over all requests (Locust-style aggregate); "login p95" / "verify p95" per endpoint.
"failures" = every response other than the expected one (timeouts included).

${mainTable}

${errorLines}

Verify hot path (log in once per user, then GET /api/protected in a closed loop, no think time)
against a bare Fastify hello-world with the same worker count, as the ceiling of this machine:

${verifyTable}

Raw reports: \`bench/results/loadtest-${date}.json\`. Reproduce: \`${command}\`.
`;
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(
      join(RESULTS, `loadtest-${date}.md`),
      `# Load-test benchmark ${date}\n\n${md.replace(/^## Load test\n/, '')}`,
    );
    writeFileSync(
      join(RESULTS, `loadtest-${date}.json`),
      JSON.stringify(
        {
          date,
          command,
          machine,
          options: opt,
          old: OLD,
          runs,
          verify: { tollgate: verifyTg, hello: verifyHello },
        },
        null,
        2,
      ),
    );
    updateDoc(md);
    console.log(`\n${md}`);
  } finally {
    await stopAll();
    rmSync(work, { recursive: true, force: true });
  }
}

/** Replaces (or appends) only the `## Load test` section of docs/benchmarks.md. */
function updateDoc(section) {
  let doc = existsSync(DOC) ? readFileSync(DOC, 'utf8') : '# Benchmarks\n';
  const start = doc.search(/^## Load test\s*$/m);
  if (start < 0) {
    doc = `${doc.trimEnd()}\n\n${section}`;
  } else {
    const rest = doc.slice(start + 1);
    const next = rest.search(/^## /m);
    const end = next < 0 ? doc.length : start + 1 + next;
    doc = `${doc.slice(0, start)}${section}${next < 0 ? '' : '\n'}${doc.slice(end)}`;
  }
  writeFileSync(DOC, doc.endsWith('\n') ? doc : doc + '\n');
}

const argv = process.argv.slice(2);
if (argv[0] === '--serve-hello') {
  await serveHello(Number(argv[1]), Number(argv[2] ?? '1'));
} else {
  const onSignal = () => void stopAll().then(() => process.exit(130));
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await main();
  } catch (err) {
    console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
    await stopAll();
    process.exit(1);
  }
}
