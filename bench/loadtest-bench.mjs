#!/usr/bin/env node
/**
 * `npm run bench`: the load-test benchmark, in one run, against one target.
 *
 * Starts a real redis-server (free port, temp dir), the built tollgate
 * (`node dist/src/cli.js serve`, WORKERS=<n>, Redis) and a bare Fastify hello-world
 * (same worker count), creates the test accounts with `tollgate users bulk`, then:
 *   1. generators: GET /api/protected with 64 connections, one generator thread each —
 *      wrk (Debian, /usr/bin/wrk), autocannon (npm) and `tollgate loadtest --scenario
 *      verify` — interleaved over --rounds rounds, with wrk against the hello-world in the
 *      same rounds as the ceiling; medians and ratios;
 *   2. latency agreement at a fixed rate below saturation: wrk (a Lua delay per
 *      connection) and `tollgate loadtest --rate` (open model), p50 compared;
 *   3. the auth presets (1,000 and 2,000 users): `tollgate loadtest --preset` and the
 *      Locust scenario of bench/locust/locustfile.py (Debian python3-locust) at the same
 *      user counts.
 * The presets (3.) run pinned (unless --no-pin, or on one CPU): tollgate and its workers on
 * CPU 0, Redis, PostgreSQL and the generators on CPU 1 (`taskset`), with the raw argon2id
 * rate measured on CPU 0 (one verification at a time) before and after them: the logins
 * the service got through are reported as a share of what its core can hash.
 * Writes bench/results/loadtest-<date>.{md,json} and the `## Load test` section of
 * docs/benchmarks.md. A missing wrk, autocannon or locust is skipped with a message.
 * Every child is bounded in time and stopped by its PID at the end.
 *
 * Options: --workers N (2) --rounds N (3) --round-duration S (8) --rate N (1000)
 *          --duration S (20, each preset) --presets a,b (stress,ultimate) --accounts N (500)
 *          --no-pin
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
const WRK = '/usr/bin/wrk';
const LOCUST = '/usr/bin/locust';
const LOCUSTFILE = join(ROOT, 'bench/locust/locustfile.py');
const PASSWORD = 'LoadTest-Passw0rd!';
const CONNECTIONS = 64;

/** The published reference figures of these presets (Locust, closed loop). */
const REFERENCE = {
  stress: { users: 1_000, rps: 649, p95: 1_561, success: 100 },
  ultimate: { users: 2_000, rps: 326, p95: 9_108, success: 99.99 },
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
  app.get('/', async () => ({ service: 'hello', version: '0', status: 'ok' }));
  app.get('/api/protected', async () => ({
    message: 'Access granted',
    user: 'bench-0@loadtest.example.com',
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
    rounds: Number(get('rounds', '3')),
    roundDuration: Number(get('round-duration', '8')),
    rate: Number(get('rate', '1000')),
    duration: Number(get('duration', '20')),
    accounts: Number(get('accounts', '500')),
    presets: get('presets', 'stress,ultimate').split(',').filter(Boolean),
    pin: !a.includes('--no-pin') && cpus().length >= 2,
  };
}

/** Pins a running process and all its threads to `cpus` (taskset -a); false when it cannot. */
async function pinProcess(pid, cpuList) {
  return (await run('taskset', ['-a', '-cp', cpuList, String(pid)], 5_000)).code === 0;
}

/** The direct children of a process (pgrep -P). */
async function childPids(pid) {
  const { out } = await run('pgrep', ['-P', String(pid)], 5_000);
  return out.split('\n').filter(Boolean).map(Number);
}

/** Raw argon2id verifications/s, one at a time, in a process on `cpuList` (the service's CPU). */
async function rawArgon2(cpuList, seconds) {
  const code = `
    const { hash, verify } = require('@node-rs/argon2');
    (async () => {
      const o = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 };
      const stored = await hash('raw baseline', o);
      const end = performance.now() + ${seconds * 1000};
      let n = 0;
      const t0 = performance.now();
      while (performance.now() < end) { await verify(stored, 'raw baseline'); n++; }
      console.log(n / ((performance.now() - t0) / 1000));
    })();`;
  const argv = cpuList ? ['-c', cpuList, process.execPath, '-e', code] : ['-e', code];
  const { code: exit, out } = await run(
    cpuList ? 'taskset' : process.execPath,
    argv,
    (seconds + 60) * 1_000,
    {
      cwd: ROOT,
    },
  );
  return exit === 0 ? Number(out.trim()) : undefined;
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
const median = (xs) => {
  const s = [...xs].filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return undefined;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

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

/** Runs a command to its end within `boundMs` (then SIGKILL); resolves to {code, out}. */
function run(cmd, argv, boundMs, opts = {}) {
  return new Promise((res) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let out = '';
    child.stdout.on('data', (d) => (out += d.toString()));
    child.stderr.on('data', (d) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), boundMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      res({ code: -1, out: String(err) });
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      res({ code, out });
    });
  });
}

/** `tollgate loadtest` (the built CLI) with a hard bound; returns its JSON report. */
async function loadtest(argv, jsonPath, boundMs, cpuList) {
  const cmd = [process.execPath, CLI, 'loadtest', ...argv, '--json', jsonPath, '--quiet'];
  const { code, out } = await run(
    cpuList ? 'taskset' : cmd[0],
    cpuList ? ['-c', cpuList, ...cmd] : cmd.slice(1),
    boundMs,
  );
  if (code !== 0 || !existsSync(jsonPath)) throw new Error(`tollgate loadtest exited ${code}:\n${out}`);
  return JSON.parse(readFileSync(jsonPath, 'utf8'));
}

function wrkMs(text) {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  if (!m) return undefined;
  return Number(m[1]) * { us: 0.001, ms: 1, s: 1_000, m: 60_000 }[m[2]];
}

async function wrk(url, token, seconds, script) {
  const argv = [
    '-t1',
    `-c${CONNECTIONS}`,
    `-d${seconds}s`,
    '--latency',
    '-H',
    `Authorization: Bearer ${token}`,
  ];
  if (script) argv.push('-s', script);
  const { code, out } = await run(WRK, [...argv, `${url}/api/protected`], (seconds + 30) * 1_000);
  if (code !== 0) throw new Error(`wrk exited ${code}: ${out}`);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const p50 = wrkMs(/^\s+50%\s+(\S+)/m.exec(out)?.[1] ?? '');
  const p99 = wrkMs(/^\s+99%\s+(\S+)/m.exec(out)?.[1] ?? '');
  return { rps, non2xx, p50, p99 };
}

const AUTOCANNON = join(ROOT, 'node_modules/autocannon/autocannon.js');
async function autocannon(url, token, seconds) {
  const { code, out } = await run(
    process.execPath,
    [
      AUTOCANNON,
      '-c',
      String(CONNECTIONS),
      '-d',
      String(seconds),
      '-j',
      '-H',
      `Authorization=Bearer ${token}`,
      `${url}/api/protected`,
    ],
    (seconds + 30) * 1_000,
  );
  const json = out.slice(out.indexOf('{'));
  if (code !== 0) throw new Error(`autocannon exited ${code}: ${out.slice(0, 500)}`);
  const r = JSON.parse(json);
  return { rps: r.requests.total / r.duration, non2xx: r.non2xx, p50: r.latency.p50, p99: r.latency.p99 };
}

async function loginToken(url, email) {
  const res = await request(`${url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  });
  const body = await res.body.json();
  if (res.statusCode !== 200)
    throw new Error(`login of ${email}: HTTP ${res.statusCode} ${JSON.stringify(body)}`);
  return body.access_token;
}

/** Waits (bounded) until a login answers within 1 s again after an overloaded run. */
async function settle(url, email, boundMs = 60_000) {
  const end = Date.now() + boundMs;
  while (Date.now() < end) {
    const t = Date.now();
    try {
      await loginToken(url, email);
      if (Date.now() - t < 1_000) return;
    } catch {
      /* still busy */
    }
    await sleep(1_000);
  }
}

/** Reads Locust's --csv stats and failures into figures like the tool's. */
function readLocust(prefix, seconds) {
  // RFC 4180 lines: quoted fields may hold commas and doubled quotes.
  const cellsOf = (line) => {
    const out = [];
    let cur = '';
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (quoted) {
        if (ch === '"' && line[i + 1] === '"') {
          cur += '"';
          i++;
        } else if (ch === '"') quoted = false;
        else cur += ch;
      } else if (ch === '"') quoted = true;
      else if (ch === ',') {
        out.push(cur);
        cur = '';
      } else cur += ch;
    }
    out.push(cur);
    return out;
  };
  const parse = (file) => {
    if (!existsSync(file)) return [];
    const [head, ...lines] = readFileSync(file, 'utf8').trim().split(/\r?\n/);
    const cols = cellsOf(head);
    return lines.map((l) => {
      const cells = cellsOf(l);
      return Object.fromEntries(cols.map((c, i) => [c, cells[i]]));
    });
  };
  const stats = parse(`${prefix}_stats.csv`);
  const failures = parse(`${prefix}_failures.csv`);
  const row = (name) => stats.find((r) => r.Name === name);
  const agg = row('Aggregated');
  if (!agg) return undefined;
  const errors = {};
  for (const f of failures) {
    // CatchResponseError('login_429') -> login_429
    const name = /\('([^']+)'\)/.exec(f.Error ?? '')?.[1] ?? f.Error;
    errors[name] = (errors[name] ?? 0) + Number(f.Occurrences);
  }
  const n = (r, k) => (r ? Number(r[k]) : undefined);
  return {
    requests: n(agg, 'Request Count'),
    failures: n(agg, 'Failure Count'),
    rps: n(agg, 'Request Count') / seconds,
    p50: n(agg, '50%'),
    p95: n(agg, '95%'),
    p99: n(agg, '99%'),
    max: n(agg, 'Max Response Time'),
    login_p95: n(row('login'), '95%'),
    login_ok: (n(row('login'), 'Request Count') ?? 0) - (n(row('login'), 'Failure Count') ?? 0),
    verify_p95: n(row('verify'), '95%'),
    errors,
  };
}

const fmt = (v, digits = 0) =>
  v === undefined || v === null || Number.isNaN(v)
    ? '–'
    : Number(v).toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const pct = (a, b) => (a && b ? `${fmt((a / b) * 100, 0)} %` : '–');

function table(header, rows) {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

const errorText = (errors) =>
  Object.entries(errors ?? {})
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k}=${v}`)
    .join(', ') || 'none';

// ---------------------------------------------------------------- main
async function main() {
  const opt = args();
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  const haveWrk = existsSync(WRK);
  const haveAutocannon = existsSync(AUTOCANNON);
  const haveLocust = existsSync(LOCUST);
  if (!haveWrk) console.log(`bench: ${WRK} not found (Debian package wrk): wrk figures skipped`);
  if (!haveAutocannon) console.log('bench: autocannon not installed (npm ci): autocannon figures skipped');
  if (!haveLocust)
    console.log(`bench: ${LOCUST} not found (Debian package python3-locust): Locust runs skipped`);
  const date = new Date().toISOString().slice(0, 10);
  const work = mkdtempSync(join(tmpdir(), 'tollgate-bench-'));
  const command = `npm run bench${process.argv.length > 2 ? ' -- ' + process.argv.slice(2).join(' ') : ''}`;
  const startedAt = Date.now();
  try {
    const redisPort = await freePort();
    mkdirSync(join(work, 'redis'));
    const redisChild = start('redis-server', [
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
    const redisUrl = `redis://127.0.0.1:${redisPort}`;
    const port = await freePort();
    // Accounts in PostgreSQL (started by the bench, one process for the whole run). The
    // helper is TypeScript: `npm run bench` runs this file with tsx.
    const { postgresDatabase } = await import('../test/helpers/postgres-server.ts');
    const env = {
      ...process.env,
      REDIS_URL: redisUrl,
      DATABASE_URL: await postgresDatabase(),
      LOG_LEVEL: 'warn',
    };
    const migrate = await run(process.execPath, [CLI, 'db', 'migrate'], 120_000, { cwd: work, env });
    if (migrate.code !== 0) throw new Error(`db migrate failed:\n${migrate.out}`);
    const server = start(process.execPath, [CLI, 'serve'], {
      cwd: work,
      env: { ...env, PORT: String(port), HOST: '127.0.0.1', WORKERS: String(opt.workers) },
    });
    const url = `http://127.0.0.1:${port}`;
    await waitHttp(`${url}/health/ready`, 30_000, 'tollgate').catch((e) => {
      throw new Error(`${e.message}\n${server.tail()}`);
    });
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

    // Accounts, straight into the store (as an operator would), then one token for wrk/autocannon.
    const prefix = `bench-${Date.now().toString(36)}`;
    const passwordFile = join(work, 'password');
    writeFileSync(passwordFile, PASSWORD, { mode: 0o600 });
    const bulk = await run(
      process.execPath,
      [
        CLI,
        'users',
        'bulk',
        '--count',
        String(opt.accounts),
        '--password-file',
        passwordFile,
        '--prefix',
        `${prefix}-`,
        '--domain',
        'loadtest.example.com',
        '--concurrency',
        '4',
      ],
      300_000,
      { cwd: work, env },
    );
    if (bulk.code !== 0) throw new Error(`users bulk failed:\n${bulk.out}`);
    const email0 = `${prefix}-0@loadtest.example.com`;
    const token = await loginToken(url, email0);
    const common = [
      '--account-prefix',
      prefix,
      '--skip-setup',
      '--accounts',
      String(opt.accounts),
      '--password',
      PASSWORD,
    ];

    // 1. Generators, and 2. latency at a fixed rate below saturation: interleaved rounds.
    const gen = { wrk: [], autocannon: [], tollgate: [], helloWrk: [] };
    const fixed = { wrk: [], tollgate: [] };
    const D = opt.roundDuration;
    const delayScript = join(work, 'rate.lua');
    // wrk has no open model: each connection waits connections/rate s before its next
    // request, and the connections' first requests are spread over one period (not a burst).
    const period = Math.round((CONNECTIONS / opt.rate) * 1_000);
    writeFileSync(
      delayScript,
      `local n = 0\nfunction delay()\n  n = n + 1\n  if n <= ${CONNECTIONS} then return math.floor((n - 1) * ${period} / ${CONNECTIONS}) end\n  return ${period}\nend\n`,
    );
    for (let round = 1; round <= opt.rounds; round++) {
      console.log(
        `\n== round ${round}/${opt.rounds}: GET /api/protected, ${CONNECTIONS} connections, ${D} s each`,
      );
      if (haveWrk) gen.wrk.push(await wrk(url, token, D));
      if (haveAutocannon) gen.autocannon.push(await autocannon(url, token, D));
      const r = await loadtest(
        [
          '--url',
          url,
          '--scenario',
          'verify',
          '--users',
          String(CONNECTIONS),
          '--generators',
          '1',
          '--duration',
          String(D),
          ...common,
        ],
        join(work, `verify-${round}.json`),
        (D + 120) * 1_000,
      );
      gen.tollgate.push({
        rps: r.endpoints.verify?.rps,
        non2xx: r.totals.failed,
        p50: r.endpoints.verify?.latency_ms.p50,
        p99: r.endpoints.verify?.latency_ms.p99,
        report: r,
      });
      if (haveWrk) gen.helloWrk.push(await wrk(helloUrl, token, D));
      if (haveWrk) fixed.wrk.push(await wrk(url, token, D, delayScript));
      const f = await loadtest(
        [
          '--url',
          url,
          '--scenario',
          'verify',
          '--rate',
          String(opt.rate),
          '--users',
          String(CONNECTIONS),
          '--max-in-flight',
          String(CONNECTIONS),
          '--generators',
          '1',
          '--duration',
          String(D),
          ...common,
        ],
        join(work, `fixed-rate-${round}.json`),
        (D + 120) * 1_000,
      );
      fixed.tollgate.push({
        rps: f.endpoints.verify?.rps,
        p50: f.endpoints.verify?.latency_ms.p50,
        p99: f.endpoints.verify?.latency_ms.p99,
      });
      const last = (xs) => xs.at(-1)?.rps;
      console.log(
        `   wrk ${fmt(last(gen.wrk))}  autocannon ${fmt(last(gen.autocannon))}  tollgate loadtest ${fmt(last(gen.tollgate))}  hello-world (wrk) ${fmt(last(gen.helloWrk))} req/s`,
      );
    }
    const med = Object.fromEntries(
      Object.entries(gen).map(([k, xs]) => [
        k,
        {
          rps: median(xs.map((x) => x.rps)),
          p50: median(xs.map((x) => x.p50)),
          p99: median(xs.map((x) => x.p99)),
          non2xx: xs.reduce((a, x) => a + (x.non2xx ?? 0), 0),
          runs: xs.map((x) => Math.round(x.rps)),
        },
      ]),
    );

    // 3. Auth presets: tollgate loadtest and Locust at the same user counts, pinned: the
    // service on CPU 0, everything else on CPU 1, and the raw argon2id rate on CPU 0.
    let genCpu;
    if (opt.pin) {
      const pinned = [await pinProcess(server.pid, '0')];
      for (const pid of await childPids(server.pid)) pinned.push(await pinProcess(pid, '0'));
      pinned.push(await pinProcess(redisChild.pid, '1'));
      const { out: pg } = await run('pgrep', ['-u', 'postgres'], 5_000);
      for (const pid of pg.split('\n').filter(Boolean)) pinned.push(await pinProcess(Number(pid), '1'));
      genCpu = pinned.every(Boolean) ? '1' : undefined;
      if (!genCpu) console.log('bench: taskset failed; presets run unpinned');
    }
    const pinCpu = genCpu ? '0' : undefined;
    const rawBefore = await rawArgon2(pinCpu, 6);
    console.log(`raw argon2id on the service's CPU: ${fmt(rawBefore, 1)} verifications/s`);
    const presets = [];
    for (const name of opt.presets) {
      const users = REFERENCE[name]?.users;
      await settle(url, email0);
      console.log(`\n== preset ${name}: tollgate loadtest (${opt.duration} s)`);
      const tg = await loadtest(
        [
          '--url',
          url,
          '--preset',
          name,
          '--duration',
          String(opt.duration),
          '--target-pid',
          String(server.pid),
          ...common,
        ],
        join(work, `${name}.json`),
        (opt.duration + 180) * 1_000,
        genCpu,
      );
      let locust;
      if (haveLocust && users) {
        await settle(url, email0);
        console.log(`== preset ${name}: Locust, ${users} users spawned at 100/s (${opt.duration} s)`);
        const csv = join(work, `locust-${name}`);
        const res = await run(
          genCpu ? 'taskset' : LOCUST,
          [
            ...(genCpu ? ['-c', genCpu, LOCUST] : []),
            '-f',
            LOCUSTFILE,
            '--headless',
            '-u',
            String(users),
            '-r',
            '100',
            '-t',
            `${opt.duration}s`,
            '--stop-timeout',
            '5',
            '--host',
            url,
            '--csv',
            csv,
            '--only-summary',
            '--loglevel',
            'WARNING',
          ],
          (opt.duration + 60) * 1_000,
          {
            cwd: work,
            env: {
              ...process.env,
              LOCUST_ACCOUNT_PREFIX: prefix,
              LOCUST_ACCOUNTS: String(opt.accounts),
              LOCUST_PASSWORD: PASSWORD,
            },
          },
        );
        locust = readLocust(csv, opt.duration);
        if (!locust)
          console.log(`   Locust produced no statistics (exit ${res.code}):\n${res.out.slice(-2_000)}`);
      }
      presets.push({ name, users, tollgate: tg, locust });
    }
    const rawAfter = await rawArgon2(pinCpu, 6);
    const raw = rawBefore && rawAfter ? (rawBefore + rawAfter) / 2 : (rawBefore ?? rawAfter);
    console.log(`raw argon2id again: ${fmt(rawAfter, 1)} verifications/s`);

    // ------------------------------------------------------------ results
    const g = med;
    const genTable = table(
      [
        'generator (1 thread, 64 connections)',
        'req/s (median)',
        'rounds',
        'p50 ms',
        'p99 ms',
        'non-2xx',
        'tollgate loadtest vs this',
      ],
      [
        [
          'wrk 4.1 (C)',
          fmt(g.wrk.rps),
          g.wrk.runs.join(' / ') || '–',
          fmt(g.wrk.p50, 2),
          fmt(g.wrk.p99, 2),
          fmt(g.wrk.non2xx),
          pct(g.tollgate.rps, g.wrk.rps),
        ],
        [
          'autocannon 8 (Node)',
          fmt(g.autocannon.rps),
          g.autocannon.runs.join(' / ') || '–',
          fmt(g.autocannon.p50, 2),
          fmt(g.autocannon.p99, 2),
          fmt(g.autocannon.non2xx),
          pct(g.tollgate.rps, g.autocannon.rps),
        ],
        [
          '**tollgate loadtest --scenario verify**',
          `**${fmt(g.tollgate.rps)}**`,
          g.tollgate.runs.join(' / '),
          fmt(g.tollgate.p50, 2),
          fmt(g.tollgate.p99, 2),
          fmt(g.tollgate.non2xx),
          '100 %',
        ],
      ],
    );
    const ceilingTable = table(
      ['target (measured with wrk)', 'req/s (median)', 'share of the ceiling'],
      [
        ['bare Fastify hello-world (ceiling)', fmt(g.helloWrk.rps), '100 %'],
        [
          'tollgate GET /api/protected (Redis, session check)',
          fmt(g.wrk.rps),
          pct(g.wrk.rps, g.helloWrk.rps),
        ],
      ],
    );
    const fw = {
      rps: median(fixed.wrk.map((x) => x.rps)),
      p50: median(fixed.wrk.map((x) => x.p50)),
      p99: median(fixed.wrk.map((x) => x.p99)),
    };
    const ft = {
      rps: median(fixed.tollgate.map((x) => x.rps)),
      p50: median(fixed.tollgate.map((x) => x.p50)),
      p99: median(fixed.tollgate.map((x) => x.p99)),
    };
    const p50Diff = fw.p50 && ft.p50 ? ((ft.p50 - fw.p50) / fw.p50) * 100 : undefined;
    const perRound = (xs) => xs.map((x) => fmt(x.p50, 2)).join(' / ') || '–';
    const latencyTable = table(
      ['generator', 'req/s achieved', 'p50 ms (median)', 'p50 per round', 'p99 ms'],
      [
        ['wrk (delay per connection)', fmt(fw.rps), fmt(fw.p50, 2), perRound(fixed.wrk), fmt(fw.p99, 2)],
        [
          'tollgate loadtest (open model, from the intended time)',
          fmt(ft.rps),
          fmt(ft.p50, 2),
          perRound(fixed.tollgate),
          fmt(ft.p99, 2),
        ],
      ],
    );
    const presetRows = presets.flatMap(({ name, users, tollgate: r, locust: l }) => {
      const old = REFERENCE[name] ?? {};
      const rows = [
        [
          `${name} (${fmt(users)} users)`,
          '`tollgate loadtest --preset`',
          fmt(r.totals.rps),
          fmt(r.totals.latency_ms.p50, 1),
          fmt(r.totals.latency_ms.p95, 1),
          fmt(r.totals.latency_ms.p99, 1),
          `${fmt(r.totals.success_rate * 100, 2)} %`,
          fmt(r.endpoints.login?.latency_ms.p95, 1),
          fmt(r.endpoints.verify?.latency_ms.p95, 1),
          fmt(r.errors.login_429 ?? 0),
          fmt((r.endpoints.login?.ok ?? 0) / r.duration_s, 1),
          pct((r.endpoints.login?.ok ?? 0) / r.duration_s, raw),
          errorText(r.errors),
        ],
      ];
      if (l)
        rows.push([
          '',
          'Locust (reference scenario)',
          fmt(l.rps),
          fmt(l.p50),
          fmt(l.p95),
          fmt(l.p99),
          `${fmt(((l.requests - l.failures) / Math.max(1, l.requests)) * 100, 2)} %`,
          fmt(l.login_p95),
          fmt(l.verify_p95),
          fmt(l.errors.login_429 ?? 0),
          fmt(l.login_ok / opt.duration, 1),
          pct(l.login_ok / opt.duration, raw),
          errorText(l.errors),
        ]);
      if (old.p95)
        rows.push([
          '',
          'reference figures (published)',
          fmt(old.rps),
          '–',
          fmt(old.p95),
          '–',
          '–',
          '–',
          '–',
          '–',
          '–',
          '–',
          '–',
        ]);
      return rows;
    });
    const presetTable = table(
      [
        'preset',
        'generator',
        'req/s',
        'p50 ms',
        'p95 ms',
        'p99 ms',
        'success',
        'login p95',
        'verify p95',
        'login_429',
        'successful logins/s',
        'of raw argon2id',
        'errors',
      ],
      presetRows,
    );
    const cpu = cpus()[0]?.model ?? 'unknown';
    const machine =
      `${cpus().length} cores (${cpu}), ${Math.round(totalmem() / 2 ** 30)} GiB RAM, shared with other work; ` +
      `Node ${process.version}; tollgate WORKERS=${opt.workers} on Redis; every generator on the same machine`;
    const md = `## Load test

Measured ${date} with \`${command}\` (${((Date.now() - startedAt) / 60_000).toFixed(1)} min in all).
Machine: ${machine}. Every figure below comes from this one run, against the same server.

### Generators on the verify hot path

GET /api/protected with a valid token, ${CONNECTIONS} keep-alive connections, no pipelining,
one generator thread each, ${opt.rounds} interleaved rounds of ${D} s (wrk, autocannon,
\`tollgate loadtest\`, then wrk against the hello-world), medians. The generators share the
2 cores with the server, so a cheaper generator leaves more CPU to the server: the
req/s below measure generator and server together, which is what the aim is about.

${genTable}

Aim: \`tollgate loadtest\` ≥ 90 % of autocannon and ≥ 75 % of wrk: **${pct(g.tollgate.rps, g.autocannon.rps)} of autocannon, ${pct(g.tollgate.rps, g.wrk.rps)} of wrk**.

### Verify share of the hello-world ceiling (wrk on both)

${ceilingTable}

### Latency agreement at a fixed rate (${fmt(opt.rate)} req/s, below saturation, same rounds)

${latencyTable}

p50 difference: **${p50Diff === undefined ? '–' : `${p50Diff > 0 ? '+' : ''}${fmt(p50Diff, 1)} %`}** (aim: within 20 %). wrk has no open
model: each connection waits ${fmt((CONNECTIONS / opt.rate) * 1_000)} ms before its next request (a Lua \`delay()\`, first requests spread over one period), so
its rate is slightly below the target; \`tollgate loadtest\` times each request from its
intended start, so a late generator would show up in its latencies, not in its rate.

### Logins under the auth presets: tollgate loadtest and Locust side by side

The reference presets, ${opt.duration} s each, ${opt.accounts} shared accounts.
\`tollgate loadtest --preset\` runs its closed loop with no think time (each flow: login →
GET /api/protected → 10 % refresh → logout → the logged-out token must get 401), so
every user logs in again and again; the Locust scenario (bench/locust/locustfile.py) logs
each user in once, then GET /api/protected ×10 : logout → 401 check → login ×1 with
0.5–1.5 s between tasks, users spawned at 100/s. Locust latencies are in whole ms.
${
  genCpu
    ? `Pinned: tollgate on CPU 0; Redis, PostgreSQL and both generators on CPU 1. Raw argon2id on CPU 0 (one verification at a time): ${fmt(rawBefore, 1)} /s before the presets, ${fmt(rawAfter, 1)} /s after; "of raw argon2id" is the successful logins/s over their mean.`
    : `Not pinned. Raw argon2id (one verification at a time): ${fmt(rawBefore, 1)} /s before the presets, ${fmt(rawAfter, 1)} /s after.`
}

${presetTable}

Raw reports: \`bench/results/loadtest-${date}.json\`. Reproduce: \`npm run bench\` (options in
bench/loadtest-bench.mjs).
`;
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(
      join(RESULTS, `loadtest-${date}.md`),
      `# Load-test benchmark ${date}\n\n${md.replace(/^## Load test\n/, '')}`,
    );
    const strip = (r) => ({ ...r, timeseries: undefined });
    writeFileSync(
      join(RESULTS, `loadtest-${date}.json`),
      JSON.stringify(
        {
          date,
          command,
          machine,
          options: opt,
          generators: Object.fromEntries(
            Object.entries(gen).map(([k, xs]) => [k, xs.map((x) => ({ ...x, report: undefined }))]),
          ),
          fixed_rate: fixed,
          presets: presets.map((p) => ({ ...p, tollgate: strip(p.tollgate) })),
        },
        null,
        2,
      ) + '\n',
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
