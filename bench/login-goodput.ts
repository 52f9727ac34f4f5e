/**
 * Login goodput at the hashing limit, with the service on a CPU of its own. In one run:
 *  1. pinning (`--pin`, on by default with 2+ CPUs): tollgate (1 or 2 workers) on CPU 0,
 *     this generator, Redis and PostgreSQL on CPU 1 (`taskset`), so the generator does
 *     not take the service's core;
 *  2. the raw argon2id rate on the service's CPU: one verification at a time at the
 *     service's parameters in a process pinned there (no HTTP, no Redis, no database),
 *     before the runs and after them; the service's successful logins/s are reported
 *     as a share of the mean of the two;
 *  3. each run: tollgate (built CLI, Redis sessions, PostgreSQL accounts) offered correct
 *     logins at 1x, 2x and 10x that rate (open model: arrivals on a fixed schedule,
 *     whatever the answers), while a probe verifies a token 20 times a second (also for
 *     2 s before the logins: its p95 without logins, on the same CPU);
 *  4. the alternatives, each named in its run: the earlier admission (`adaptive`: a
 *     bounded queue of 64, waits of at most 1 s, cut to 100 ms after 500 ms of standing
 *     queue) against the predicted-wait admission (the default), and the hashes in
 *     libuv's pool or on threads at normal priority against low-priority threads (the
 *     default);
 *  5. where the cores go in each run (/proc), how busy the hashing slots were, and how
 *     often a sample of /metrics found logins waiting while a slot was free.
 *
 * Run: `npm run build && flock /tmp/tollgate-bench.lock node --import tsx bench/login-goodput.ts
 *        [--seconds 12] [--tag name] [--only <regexp of run labels>] [--rounds N] [--no-pin]`
 * (rounds interleave the chosen runs). Writes bench/results/login-goodput-<date>[-<tag>].{json,md}.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { OWASP_ARGON2ID } from '../src/auth/passwords.js';
import { PASSWORD } from '../test/helpers/http.js';
import { sample } from '../test/helpers/metrics-text.js';
import { postgresDatabase } from '../test/helpers/postgres-server.js';
import { cpuTicks, TICKS_PER_SECOND } from '../test/helpers/proc.js';
import { startRedis } from '../test/helpers/redis-server.js';
import { childPids, startTollgate, type TollgateProcess } from '../test/helpers/tollgate-process.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '12' },
    accounts: { type: 'string', default: '100' },
    tag: { type: 'string', default: '' },
    // Only the runs whose label matches this regular expression; each list run `rounds` times, interleaved.
    only: { type: 'string', default: '' },
    rounds: { type: 'string', default: '1' },
    'no-pin': { type: 'boolean', default: false },
  },
});
const PIN = !args['no-pin'] && availableParallelism() >= 2;
/** The service's CPU, and the one of everything else, when pinned. */
const SERVICE_CPU = '0';
const OTHERS_CPU = '1';
const SECONDS = Number(args.seconds);
const ACCOUNTS = Number(args.accounts);
const CLIENT_TIMEOUT_MS = 10_000;
const ROOT = resolve(import.meta.dirname, '..');

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * Raw argon2id verifications per second on the service's CPU(s): as many verification loops
 * as the service has CPUs, in a child process pinned as the service is, for `seconds`.
 */
function rawArgon2Rate(parallel: number, seconds: number): number {
  const code = `
    const { hash, verify } = require('@node-rs/argon2');
    (async () => {
      const options = ${JSON.stringify({ algorithm: 2, ...OWASP_ARGON2ID })};
      const stored = await hash(${JSON.stringify(PASSWORD)}, options);
      const end = performance.now() + ${seconds * 1000};
      let done = 0;
      const loop = async () => { while (performance.now() < end) { if (!(await verify(stored, ${JSON.stringify(PASSWORD)}))) throw new Error('raw verify failed'); done++; } };
      const t0 = performance.now();
      await Promise.all(Array.from({ length: ${parallel} }, loop));
      console.log(done / ((performance.now() - t0) / 1000));
    })();`;
  const argv = [process.execPath, '-e', code];
  const [cmd, rest] = PIN ? ['taskset', ['-c', SERVICE_CPU, ...argv]] : [argv[0]!, argv.slice(1)];
  const out = execFileSync(cmd, rest, { cwd: ROOT, encoding: 'utf8', timeout: (seconds + 60) * 1000 });
  return Number(out.trim());
}

/** Pins a process and all its threads to `cpus` (taskset -a). */
function pin(pid: number, cpus: string): void {
  execFileSync('taskset', ['-a', '-cp', cpus, String(pid)], { stdio: 'ignore', timeout: 2000 });
}

/** CPU seconds (user + system) of a process, or of one of its threads. */
const cpuSeconds = (pid: number, tid?: number): number => cpuTicks(pid, tid) / TICKS_PER_SECOND;

/** The PostgreSQL server's processes (the bench's own server: the only one running then). */
function postgresPids(): number[] {
  try {
    return execFileSync('pgrep', ['-u', 'postgres'], { encoding: 'utf8', timeout: 2000 })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/**
 * Where the cores go during a run: the service's event loops (each process's main thread),
 * its other threads (the argon2id hashes in libuv's pool, and V8's helpers), PostgreSQL,
 * Redis and this load generator, each in cores (CPU seconds per second).
 */
function cpuMeter(tollgatePid: number, redisPid: number | undefined) {
  const tollgate = [tollgatePid, ...childPids(tollgatePid)];
  const postgres = postgresPids();
  const read = () => {
    const processes = tollgate.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
    const loops = tollgate.reduce((sum, pid) => sum + cpuSeconds(pid, pid), 0);
    const usage = process.cpuUsage();
    return {
      loops,
      threads: processes - loops,
      postgres: postgres.reduce((sum, pid) => sum + cpuSeconds(pid), 0),
      redis: redisPid ? cpuSeconds(redisPid) : 0,
      generator: (usage.user + usage.system) / 1e6,
      at: performance.now(),
    };
  };
  const start = read();
  return (): CpuShares => {
    const end = read();
    const seconds = (end.at - start.at) / 1000;
    const per = (k: keyof CpuShares) => (end[k] - start[k]) / seconds;
    return {
      loops: per('loops'),
      threads: per('threads'),
      postgres: per('postgres'),
      redis: per('redis'),
      generator: per('generator'),
    };
  };
}

interface CpuShares {
  loops: number;
  threads: number;
  postgres: number;
  redis: number;
  generator: number;
}

/** The hashing admission's busy seconds and slots, from /metrics (summed over workers). */
async function hashingSample(
  pool: Pool,
): Promise<{ busy: number; slots: number; running: number; queued: number }> {
  const r = await pool.request({
    method: 'GET',
    path: '/metrics',
    signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
  });
  const text = await r.body.text();
  const value = (name: string): number => {
    const v = sample(text, name);
    if (Number.isNaN(v)) throw new Error(`${name} is not in /metrics`);
    return v;
  };
  return {
    busy: value('tollgate_password_hashing_busy_seconds_total'),
    slots: value('tollgate_password_hashing_slots'),
    running: value('tollgate_password_hashing_running'),
    queued: value('tollgate_password_hashing_queued'),
  };
}

interface Outcome {
  label: string;
  workers: number;
  overload: number;
  policy: string;
  hasher: string;
  offeredPerSecond: number;
  seconds: number;
  ok: number;
  okPerSecond: number;
  overloaded503: number;
  retryAfterOn503: number;
  other: Record<string, number>;
  okLatencyMs: { p50: number; p95: number; p99: number };
  refusedLatencyMs: { p50: number; p95: number; p99: number };
  /** 503s answered within 50 ms, share (0-1). */
  refusedWithin50Ms: number;
  verifyP95Ms: number;
  verifyP95IdleMs: number;
  verifyFailures: number;
  /** Share of the hashing slots' time spent hashing during the window (0-1). */
  slotsBusy: number;
  /** Mean wall time of one hash in a slot during the window, ms. */
  hashMs: number;
  /** Samples of /metrics (every 250 ms) that found logins waiting while a slot was free, of all. */
  idleWhileWaiting: { samples: number; of: number };
  cpu: CpuShares;
}

async function measure(
  label: string,
  env: Record<string, string>,
  workers: number,
  overload: number,
  rawRate: number,
  redisPid: number | undefined,
): Promise<Outcome> {
  const tg: TollgateProcess = await startTollgate({
    env: {
      ...env,
      WORKERS: String(workers),
      PASSWORD_POLICY: 'off',
      LOG_LEVEL: 'warn',
      LOGIN_MAX_FAILURES_PER_IP: '1000000',
    },
    expectWorkers: workers,
    readyTimeoutMs: 60_000,
    // A session of its own, as under a service manager (see startTollgate).
    ownSession: true,
    ...(PIN ? { cpus: SERVICE_CPU } : {}),
  });
  const pool = new Pool(tg.url, { connections: 512, pipelining: 1, headersTimeout: CLIENT_TIMEOUT_MS });
  try {
    const post = async (path: string, body: unknown, token?: string) => {
      const r = await pool.request({
        method: 'POST',
        path,
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
      });
      const text = await r.body.text();
      return { status: r.statusCode, headers: r.headers, text };
    };
    // Accounts, a few at a time (registration hashes too).
    const emails = Array.from({ length: ACCOUNTS }, (_, i) => `goodput-${i}@example.test`);
    for (let i = 0; i < emails.length; i += 4) {
      await Promise.all(
        emails.slice(i, i + 4).map(async (email) => {
          for (let attempt = 0; attempt < 20; attempt++) {
            const r = await post('/auth/register', { email, password: PASSWORD });
            if (r.status === 201 || r.status === 409) return;
            await sleep(200);
          }
          throw new Error(`could not register ${email}`);
        }),
      );
    }
    let probeToken = '';
    for (let attempt = 0; attempt < 20 && !probeToken; attempt++) {
      const r = await post('/auth/login', { email: emails[0], password: PASSWORD });
      if (r.status === 200) probeToken = (JSON.parse(r.text) as { access_token: string }).access_token;
      else await sleep(200);
    }
    if (!probeToken) throw new Error('the probe could not log in');

    const verifyLatencies: number[] = [];
    let verifyFailures = 0;
    const probe = async (until: number, into: number[]): Promise<void> => {
      while (performance.now() < until) {
        const t0 = performance.now();
        try {
          const r = await pool.request({
            method: 'GET',
            path: '/api/protected',
            headers: { authorization: `Bearer ${probeToken}` },
            signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
          });
          await r.body.dump();
          if (r.statusCode !== 200) verifyFailures++;
        } catch {
          verifyFailures++;
        }
        into.push(performance.now() - t0);
        await sleep(50);
      }
    };
    const idle: number[] = [];
    await probe(performance.now() + 2000, idle);

    const offered = rawRate * overload;
    const interval = 1000 / offered;
    const okLatencies: number[] = [];
    const refusedLatencies: number[] = [];
    const other: Record<string, number> = {};
    let overloaded503 = 0;
    let retryAfter = 0;
    const inFlight = new Set<Promise<void>>();
    const hashing0 = await hashingSample(pool);
    const cpu = cpuMeter(tg.pid, redisPid);
    const start = performance.now();
    const end = start + SECONDS * 1000;
    const probing = probe(end, verifyLatencies);
    const idleWhileWaiting = { samples: 0, of: 0 };
    const sampling = (async () => {
      while (performance.now() < end - 250) {
        await sleep(250);
        const h = await hashingSample(pool).catch(() => undefined);
        if (!h) continue;
        idleWhileWaiting.of++;
        if (h.queued > 0 && h.running < h.slots) idleWhileWaiting.samples++;
      }
    })();
    let sent = 0;
    while (performance.now() < end) {
      const due = start + sent * interval;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      const email = emails[sent % emails.length]!;
      sent++;
      const t0 = performance.now();
      const p = post('/auth/login', { email, password: PASSWORD })
        .then((r) => {
          const ms = performance.now() - t0;
          if (r.status === 200) okLatencies.push(ms);
          else {
            if (r.status === 503 && /"overloaded"/.test(r.text)) overloaded503++;
            else other[String(r.status)] = (other[String(r.status)] ?? 0) + 1;
            if (r.status === 503) {
              refusedLatencies.push(ms);
              if (r.headers['retry-after']) retryAfter++;
            }
          }
        })
        .catch((err: Error) => {
          other[err.name] = (other[err.name] ?? 0) + 1;
        })
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    // Only answers that arrive within the window count towards goodput.
    const windowOk = okLatencies.length;
    const elapsed = (performance.now() - start) / 1000;
    const cpuShares = cpu();
    const hashing1 = await hashingSample(pool);
    const busySeconds = hashing1.busy - hashing0.busy;
    await Promise.race([Promise.all(inFlight), sleep(CLIENT_TIMEOUT_MS + 1000)]);
    await probing;
    await sampling;
    const sortAsc = (a: number[]) => [...a].sort((x, y) => x - y);
    const ok = sortAsc(okLatencies);
    const refused = sortAsc(refusedLatencies);
    const verifySorted = sortAsc(verifyLatencies);
    const idleSorted = sortAsc(idle);
    return {
      label,
      workers,
      overload,
      policy:
        env.PASSWORD_HASH_ADMISSION === 'bounded-queue'
          ? (env.PASSWORD_HASH_QUEUE_ORDER ?? 'adaptive')
          : 'predicted-wait',
      hasher: env.PASSWORD_HASHER ?? 'threads-low-priority',
      offeredPerSecond: offered,
      seconds: elapsed,
      ok: windowOk,
      okPerSecond: windowOk / elapsed,
      overloaded503,
      retryAfterOn503: retryAfter,
      other,
      okLatencyMs: { p50: percentile(ok, 50), p95: percentile(ok, 95), p99: percentile(ok, 99) },
      refusedLatencyMs: {
        p50: percentile(refused, 50),
        p95: percentile(refused, 95),
        p99: percentile(refused, 99),
      },
      refusedWithin50Ms: refused.length ? refused.filter((ms) => ms <= 50).length / refused.length : 1,
      verifyP95Ms: percentile(verifySorted, 95),
      verifyP95IdleMs: percentile(idleSorted, 95),
      verifyFailures,
      slotsBusy: busySeconds / (elapsed * hashing1.slots),
      // Every hash of the window: the successful logins' (and the probe's none).
      hashMs: (1000 * busySeconds) / Math.max(1, windowOk),
      idleWhileWaiting,
      cpu: cpuShares,
    };
  } finally {
    await pool.close();
    await tg.stop();
  }
}

const fmt = (n: number, d = 0): string =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d })
    : '–';

const cpuText = (c: CpuShares): string =>
  `loops ${fmt(c.loops, 2)} · hashing ${fmt(c.threads, 2)} · PG ${fmt(c.postgres, 2)} · Redis ${fmt(c.redis, 2)} · generator ${fmt(c.generator, 2)}`;

async function main(): Promise<void> {
  const startedAt = new Date();
  const load0 = loadavg()[0]!;
  // The service's CPUs: one when pinned.
  const cores = PIN ? 1 : availableParallelism();
  if (PIN) pin(process.pid, OTHERS_CPU);
  const redis = await startRedis();
  if (PIN) pin(redis.pid!, OTHERS_CPU);
  // The PostgreSQL server starts with the first database; its backends inherit its CPU.
  const firstDatabase = await postgresDatabase();
  if (PIN) for (const pid of postgresPids()) pin(pid, OTHERS_CPU);
  try {
    const rawBefore = rawArgon2Rate(cores, 6);
    console.log(
      `raw argon2id: ${rawBefore.toFixed(1)} verifications/s (${cores} at once${PIN ? ', CPU 0' : ''})`,
    );
    const base = { REDIS_URL: redis.url };
    const predicted = {};
    // The earlier default: a queue of 64, waits of at most 1 s, adaptive order.
    const adaptive = {
      PASSWORD_HASH_ADMISSION: 'bounded-queue',
      PASSWORD_HASH_QUEUE_ORDER: 'adaptive',
      PASSWORD_HASH_QUEUE: '64',
      PASSWORD_HASH_MAX_WAIT_MS: '1000',
    };
    const libuv = { PASSWORD_HASHER: 'libuv' };
    const normal = { PASSWORD_HASHER: 'threads' };
    const runs: Array<[string, Record<string, string>, number, number]> = [
      ['1 worker, 1x, predicted-wait', predicted, 1, 1],
      ['1 worker, 2x, predicted-wait', predicted, 1, 2],
      ['1 worker, 10x, predicted-wait', predicted, 1, 10],
      ['1 worker, 2x, adaptive', adaptive, 1, 2],
      ['1 worker, 10x, adaptive', adaptive, 1, 10],
      ['2 workers, 2x, predicted-wait', predicted, 2, 2],
      ['2 workers, 10x, predicted-wait', predicted, 2, 10],
      ['2 workers, 10x, adaptive', adaptive, 2, 10],
      // Where the hashes run, at the same flood: libuv's pool and normal-priority threads.
      ['1 worker, 10x, predicted-wait, libuv pool', { ...predicted, ...libuv }, 1, 10],
      ['1 worker, 10x, predicted-wait, threads at normal priority', { ...predicted, ...normal }, 1, 10],
    ];
    const only = args.only ? new RegExp(args.only) : undefined;
    const chosen = runs.filter(([label]) => !only || only.test(label));
    const rounds = Math.max(1, Number(args.rounds));
    const planned = Array.from({ length: rounds }, (_, k) =>
      chosen.map(([label, ...rest]) => [rounds > 1 ? `${label} (round ${k + 1})` : label, ...rest] as const),
    ).flat();
    const outcomes: Outcome[] = [];
    let database: string | undefined = firstDatabase;
    for (const [label, env, workers, overload] of planned) {
      // Each run gets its own accounts database.
      const url = database ?? (await postgresDatabase());
      database = undefined;
      const o = await measure(
        label,
        { ...base, ...env, DATABASE_URL: url },
        workers,
        overload,
        rawBefore,
        redis.pid,
      );
      console.log(
        `${label}: ${o.okPerSecond.toFixed(1)} ok/s of ${o.offeredPerSecond.toFixed(0)} offered, ok p95 ${o.okLatencyMs.p95.toFixed(0)} ms, ` +
          `503 ${o.overloaded503} (p99 ${o.refusedLatencyMs.p99.toFixed(0)} ms), verify p95 ${o.verifyP95Ms.toFixed(1)} ms (idle ${o.verifyP95IdleMs.toFixed(1)}), ` +
          `slots busy ${(100 * o.slotsBusy).toFixed(0)} %, idle while waiting ${o.idleWhileWaiting.samples}/${o.idleWhileWaiting.of}, ${o.hashMs.toFixed(1)} ms/hash, cores: ${cpuText(o.cpu)}`,
      );
      outcomes.push(o);
      await redis.cli('FLUSHALL');
    }
    const rawAfter = rawArgon2Rate(cores, 6);
    console.log(`raw argon2id again: ${rawAfter.toFixed(1)} verifications/s`);
    const raw = (rawBefore + rawAfter) / 2;
    const load1 = loadavg()[0]!;

    const rows = outcomes.map(
      (o) =>
        `| ${o.label} | ${fmt(o.offeredPerSecond)} | ${fmt(o.okPerSecond, 1)} | **${fmt((100 * o.okPerSecond) / raw)} %** | ${fmt(o.okLatencyMs.p50)} / ${fmt(o.okLatencyMs.p95)} / ${fmt(o.okLatencyMs.p99)} | ${fmt(o.overloaded503)} (${o.overloaded503 ? fmt((100 * o.retryAfterOn503) / o.overloaded503) : '–'} % with Retry-After) | ${fmt(o.refusedLatencyMs.p50)} / ${fmt(o.refusedLatencyMs.p99)} | ${
          Object.entries(o.other)
            .map(([k, v]) => `${k}: ${v}`)
            .join(', ') || '0'
        } | ${fmt(o.verifyP95IdleMs, 1)} → ${fmt(o.verifyP95Ms, 1)} (**${fmt(o.verifyP95Ms / o.verifyP95IdleMs, 1)}×**, ${o.verifyFailures} failed) | ${fmt(100 * o.slotsBusy)} % · ${o.idleWhileWaiting.samples}/${o.idleWhileWaiting.of} · ${fmt(o.hashMs, 1)} ms | ${cpuText(o.cpu)} |`,
    );
    const md = [
      `### Login goodput at the hashing limit (${startedAt.toISOString().slice(0, 10)}${args.tag ? `, ${args.tag}` : ''})`,
      '',
      `Command: \`flock /tmp/tollgate-bench.lock node --import tsx bench/login-goodput.ts --seconds ${SECONDS} --accounts ${ACCOUNTS}${args.tag ? ` --tag ${args.tag}` : ''}${args.only ? ` --only '${args.only}'` : ''}${rounds > 1 ? ` --rounds ${rounds}` : ''}${PIN ? '' : ' --no-pin'}\`. Machine: ${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? '?'}), Node ${process.version}, load average ${load0.toFixed(1)} at the start and ${load1.toFixed(1)} at the end (shared machine). ${PIN ? 'tollgate on CPU 0; this generator, Redis and PostgreSQL on CPU 1.' : 'Nothing pinned.'}`,
      '',
      `Raw argon2id rate (${cores} verification${cores > 1 ? 's' : ''} at once, OWASP parameters, a process on the service's CPU${cores > 1 ? 's' : ''}): ${fmt(rawBefore, 1)} /s before the runs, ${fmt(rawAfter, 1)} /s after; baseline = ${fmt(raw, 1)} /s. Each run: tollgate on Redis + PostgreSQL, correct logins offered on a fixed schedule for ${SECONDS} s over ${ACCOUNTS} accounts (client timeout ${CLIENT_TIMEOUT_MS / 1000} s), a probe verifying one token every 50 ms (first 2 s without logins, then during them). Slots: busy share of the window · samples of /metrics (every 250 ms) that found logins waiting for a slot while one was free · ms per hash (slot time per successful login). Cores: CPU seconds per second of the service's event loops, its other threads (argon2id, V8 helpers), PostgreSQL, Redis and this generator, from /proc.`,
      '',
      '| run | offered /s | successful logins /s | of raw rate | ok latency p50 / p95 / p99 ms | 503 overloaded | 503 latency p50 / p99 ms | other | verify p95 ms without logins → with (ratio) | slots: busy · idle while waiting · ms per hash | cores used by |',
      '|---|---:|---:|---:|---|---|---|---|---|---|---|',
      ...rows,
      '',
    ].join('\n');
    const dir = join(ROOT, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    const stamp = `${startedAt.toISOString().slice(0, 10)}${args.tag ? `-${args.tag}` : ''}`;
    writeFileSync(
      join(dir, `login-goodput-${stamp}.json`),
      `${JSON.stringify({ startedAt, cores, pinned: PIN, rawBefore, rawAfter, seconds: SECONDS, outcomes }, null, 2)}\n`,
    );
    writeFileSync(join(dir, `login-goodput-${stamp}.md`), md);
    console.log(`\n${md}`);
  } finally {
    await redis.stop();
  }
}

await main();
process.exit(0);
