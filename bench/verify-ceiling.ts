/**
 * The verify path against its ceiling: tollgate's `GET /api/protected` (JWT + one
 * session `EXISTS` through the pool) and a Fastify hello-world that asks Redis once per
 * request with the same node-redis client kind (bench/verify-ceiling-server.mjs, the
 * ceiling of any design that checks a session in Redis on every request), with the same
 * number of workers, in the same run, on standalone, Sentinel and Cluster Redis.
 *
 * Per topology and worker count:
 * - closed model: ROUNDS rounds of wrk (-t1 -c CONNECTIONS, SECONDS after a 2 s warm-up),
 *   ceiling and tollgate alternating (the order flips every round); the figure is the
 *   median of the rounds, the share is tollgate / ceiling. Every answer must be a 200.
 * - open model: `tollgate loadtest --scenario verify --rate R` at R = 80 % of the
 *   ceiling's median throughput, OPEN_ROUNDS alternating rounds of OPEN_SECONDS; the
 *   p99 of tollgate against the ceiling's p99 at the same rate.
 * With 1 worker the service runs on CPU 0 and wrk / the load generator / Redis on CPU 1
 * (taskset); with 2 workers nothing is pinned (both cores serve).
 *
 * Run: `npm run bench:verify` (it runs this, then bench/verify-modes.ts), or alone:
 * `npm run build && flock /tmp/tollgate-bench.lock node --import tsx bench/verify-ceiling.ts`.
 * Env: ROUNDS=3 SECONDS=8 CONNECTIONS=100 USERS=64 OPEN_ROUNDS=3 OPEN_SECONDS=6
 * TOPOLOGIES=standalone,sentinel,cluster WORKERS_LIST=1,2 TOLLGATE_CLI=<another build's
 * dist/src/cli.js> LABEL=<results file suffix>.
 * Writes bench/results/verify-ceiling-<date>[-LABEL].{json,md}.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { login, register } from '../test/helpers/http.js';
import { patiently } from './patiently.js';
import { envCount, median, runWrk, writeTokensScript, type WrkSample } from './wrk.js';
import { freePort } from '../test/helpers/ports.js';
import { startRedis, type RedisServerHandle } from '../test/helpers/redis-server.js';
import { startCluster, startSentinel } from '../test/helpers/redis-topology.js';
import {
  childPids,
  CLI,
  inLanes,
  startTollgate,
  type TollgateProcess,
} from '../test/helpers/tollgate-process.js';

const ROOT = resolve(import.meta.dirname, '..');
const ROUNDS = envCount('ROUNDS', 3);
const SECONDS = envCount('SECONDS', 8);
const WARMUP_SECONDS = 2;
const CONNECTIONS = envCount('CONNECTIONS', 100);
const USERS = envCount('USERS', 64);
const OPEN_ROUNDS = envCount('OPEN_ROUNDS', 3);
const OPEN_SECONDS = envCount('OPEN_SECONDS', 6);
const TOPOLOGIES = (process.env.TOPOLOGIES ?? 'standalone,sentinel,cluster').split(',') as Topology[];
const WORKERS_LIST = (process.env.WORKERS_LIST ?? '1,2').split(',').map(Number);
const TOLLGATE_CLI = process.env.TOLLGATE_CLI ?? CLI;
const LABEL = process.env.LABEL ? `-${process.env.LABEL}` : '';

type Topology = 'standalone' | 'sentinel' | 'cluster';
type Target = 'ceiling' | 'tollgate';

interface RedisSetup {
  /** tollgate's environment for this topology. */
  env: Record<string, string>;
  /** The ceiling server's CEILING_REDIS. */
  ceiling: unknown;
  pids: number[];
  stop(): Promise<void>;
}

async function startTopology(kind: Topology): Promise<RedisSetup> {
  const pidsOf = (servers: readonly RedisServerHandle[]) => servers.map((s) => s.pid!).filter(Boolean);
  if (kind === 'sentinel') {
    const s = await startSentinel('benchmaster');
    return {
      env: { REDIS_SENTINELS: `127.0.0.1:${s.sentinelPort}`, REDIS_SENTINEL_NAME: s.masterName },
      ceiling: {
        mode: 'sentinel',
        name: s.masterName,
        sentinels: [{ host: '127.0.0.1', port: s.sentinelPort }],
      },
      pids: pidsOf([s.master]),
      stop: () => s.stop(),
    };
  }
  if (kind === 'cluster') {
    const c = await startCluster();
    const nodes = c.nodes.map((n) => ({ host: '127.0.0.1', port: n.port }));
    return {
      env: { REDIS_CLUSTER_NODES: nodes.map((n) => `${n.host}:${n.port}`).join(',') },
      ceiling: { mode: 'cluster', nodes },
      pids: pidsOf(c.nodes),
      stop: () => c.stop(),
    };
  }
  const r = await startRedis();
  return {
    env: { REDIS_URL: r.url },
    ceiling: { mode: 'standalone', url: r.url },
    pids: pidsOf([r]),
    stop: () => r.stop(),
  };
}

/** Sets the CPU affinity of processes (all their threads); children inherit it. */
function pin(pids: number[], cpuList: string): void {
  for (const pid of pids) {
    try {
      execFileSync('taskset', ['-a', '-pc', cpuList, String(pid)], { stdio: 'ignore', timeout: 5000 });
    } catch {
      /* gone, or taskset missing: measured unpinned */
    }
  }
}

interface Ceiling {
  url: string;
  pids(): number[];
  stop(): Promise<void>;
}

async function startCeiling(workers: number, redis: unknown): Promise<Ceiling> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'bench/verify-ceiling-server.mjs')], {
    env: {
      ...process.env,
      PORT: String(port),
      WORKERS: String(workers),
      CEILING_REDIS: JSON.stringify(redis),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const deadline = Date.now() + 30_000;
  while (!out.includes('listening')) {
    if (child.exitCode !== null) throw new Error(`the ceiling server exited: ${out}`);
    if (Date.now() > deadline) throw new Error('the ceiling server did not listen within 30 s');
    await sleep(50);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    pids: () => [child.pid!, ...childPids(child.pid!)],
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const done = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
      if (!done) {
        for (const pid of childPids(child.pid!)) process.kill(pid, 'SIGKILL');
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

interface OpenSample {
  rate: number;
  achievedRps: number;
  p50Ms: number;
  p99Ms: number;
  failed: number;
  dropped: number;
  late: number;
}

function runOpen(
  url: string,
  rate: number,
  dir: string,
  cpu: string | undefined,
  prefix: string,
): Promise<OpenSample> {
  const json = join(dir, `open-${Date.now()}.json`);
  const ltArgs = [
    join(ROOT, 'dist/src/cli.js'),
    'loadtest',
    '--url',
    url,
    '--scenario',
    'verify',
    '--rate',
    String(rate),
    '--duration',
    String(OPEN_SECONDS),
    '--users',
    '32',
    '--account-prefix',
    prefix,
    '--quiet',
    '--json',
    json,
  ];
  const [cmd, args] = cpu
    ? ['taskset', ['-c', cpu, process.execPath, ...ltArgs]]
    : [process.execPath, ltArgs];
  return new Promise((done, fail) => {
    execFile(cmd, args, { timeout: (OPEN_SECONDS + 120) * 1000, encoding: 'utf8' }, (err, _out, stderr) => {
      if (err && (err as { code?: unknown }).code !== 3)
        return fail(new Error(`loadtest failed: ${err.message}\n${stderr}`));
      const report = JSON.parse(readFileSync(json, 'utf8')) as {
        endpoints: Record<string, { rps: number; failed: number; latency_ms: { p50: number; p99: number } }>;
        open_model: { dropped: number; late: number } | null;
      };
      const v = report.endpoints.verify!;
      done({
        rate,
        achievedRps: v.rps,
        p50Ms: v.latency_ms.p50,
        p99Ms: v.latency_ms.p99,
        failed: v.failed,
        dropped: report.open_model?.dropped ?? 0,
        late: report.open_model?.late ?? 0,
      });
    });
  });
}

interface ConfigResult {
  topology: Topology;
  workers: number;
  pinned: boolean;
  closed: Record<Target, WrkSample[]>;
  open: Record<Target, OpenSample[]>;
  load: number[];
}

async function measure(topology: Topology, workers: number, dir: string): Promise<ConfigResult> {
  const redis = await startTopology(topology);
  let tg: TollgateProcess | undefined;
  let ceiling: Ceiling | undefined;
  const pinned = workers === 1;
  const genCpu = pinned ? '1' : undefined;
  try {
    tg = await startTollgate({
      cli: TOLLGATE_CLI,
      env: { WORKERS: String(workers), LOG_LEVEL: 'warn', ...redis.env },
      expectWorkers: workers,
      readyTimeoutMs: 90_000,
    });
    ceiling = await startCeiling(workers, redis.ceiling);
    const tokens: string[] = [];
    await inLanes(USERS, 2, async (i) => {
      const email = `bench-ceiling-${topology}-${workers}-${i}@example.test`;
      await patiently(() => register(tg!.url, email));
      tokens[i] = (await patiently(() => login(tg!.url, email))).access;
    });
    const script = join(dir, 'tokens.lua');
    writeTokensScript(script, tokens);
    const services: Record<Target, { url: string; pids: () => number[] }> = {
      ceiling: { url: ceiling.url, pids: () => ceiling!.pids() },
      tollgate: { url: tg.url, pids: () => [tg!.pid, ...childPids(tg!.pid)] },
    };
    if (pinned) {
      pin([...services.ceiling.pids(), ...services.tollgate.pids()], '0');
      pin(redis.pids, '1');
    } else {
      pin([...services.ceiling.pids(), ...services.tollgate.pids(), ...redis.pids], '0,1');
    }

    const closed: Record<Target, WrkSample[]> = { ceiling: [], tollgate: [] };
    const load: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const order: Target[] = round % 2 === 0 ? ['ceiling', 'tollgate'] : ['tollgate', 'ceiling'];
      for (const target of order) {
        const url = `${services[target].url}/api/protected`;
        await runWrk({ url, script, seconds: WARMUP_SECONDS, connections: CONNECTIONS, cpu: genCpu });
        const s = await runWrk({ url, script, seconds: SECONDS, connections: CONNECTIONS, cpu: genCpu });
        load.push(loadavg()[0]!);
        console.error(
          `${topology} w${workers} round ${round + 1}/${ROUNDS} ${target.padEnd(8)} ${s.rps.toFixed(0)} req/s p99 ${s.p99Ms.toFixed(2)} ms non-2xx ${s.non2xx} socket errors ${s.socketErrors}`,
        );
        if (s.non2xx > 0 || s.socketErrors > 0) {
          throw new Error(`${target}: ${s.non2xx} non-2xx answers, ${s.socketErrors} socket errors`);
        }
        closed[target].push(s);
      }
    }

    const rate = Math.round(0.8 * median(closed.ceiling.map((s) => s.rps)));
    const open: Record<Target, OpenSample[]> = { ceiling: [], tollgate: [] };
    for (let round = 0; round < OPEN_ROUNDS; round++) {
      const order: Target[] = round % 2 === 0 ? ['ceiling', 'tollgate'] : ['tollgate', 'ceiling'];
      for (const target of order) {
        const s = await runOpen(services[target].url, rate, dir, genCpu, `bench-open-${topology}-${workers}`);
        console.error(
          `${topology} w${workers} open ${round + 1}/${OPEN_ROUNDS} ${target.padEnd(8)} ${rate}/s: achieved ${s.achievedRps.toFixed(0)}, p50 ${s.p50Ms.toFixed(2)} ms, p99 ${s.p99Ms.toFixed(2)} ms, failed ${s.failed}, dropped ${s.dropped}, late ${s.late}`,
        );
        open[target].push(s);
      }
    }
    return { topology, workers, pinned, closed, open, load };
  } finally {
    await ceiling?.stop().catch(() => undefined);
    await tg?.stop().catch(() => undefined);
    await redis.stop().catch(() => undefined);
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'verify-ceiling-'));
  const started = Date.now();
  const results: ConfigResult[] = [];
  try {
    for (const topology of TOPOLOGIES) {
      for (const workers of WORKERS_LIST) results.push(await measure(topology, workers, dir));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const rows = results.map((r) => {
    const c = median(r.closed.ceiling.map((s) => s.rps));
    const t = median(r.closed.tollgate.map((s) => s.rps));
    const ratios = r.closed.tollgate.map((s, i) => s.rps / r.closed.ceiling[i]!.rps);
    const cp99 = median(r.open.ceiling.map((s) => s.p99Ms));
    const tp99 = median(r.open.tollgate.map((s) => s.p99Ms));
    return {
      topology: r.topology,
      workers: r.workers,
      pinned: r.pinned,
      ceilingRps: c,
      tollgateRps: t,
      share: t / c,
      roundShares: ratios,
      ceilingRounds: r.closed.ceiling.map((s) => Math.round(s.rps)),
      tollgateRounds: r.closed.tollgate.map((s) => Math.round(s.rps)),
      rate: r.open.ceiling[0]?.rate ?? 0,
      ceilingP99: cp99,
      tollgateP99: tp99,
      p99Ratio: tp99 / cp99,
      openFailed: r.open.tollgate.reduce((a, s) => a + s.failed, 0),
      openDropped: [...r.open.ceiling, ...r.open.tollgate].reduce((a, s) => a + s.dropped, 0),
      load: median(r.load),
    };
  });
  const date = new Date().toISOString().slice(0, 10);
  const cmd = `npm run build && flock /tmp/tollgate-bench.lock node --import tsx bench/verify-ceiling.ts`;
  const md = [
    `Measured ${date} with \`${cmd}\` (ROUNDS=${ROUNDS} SECONDS=${SECONDS} CONNECTIONS=${CONNECTIONS} USERS=${USERS} OPEN_ROUNDS=${OPEN_ROUNDS} OPEN_SECONDS=${OPEN_SECONDS}${TOLLGATE_CLI === CLI ? '' : `, tollgate from ${TOLLGATE_CLI.replace(ROOT, '.')}`}), ${((Date.now() - started) / 60_000).toFixed(1)} min.`,
    '',
    `Machine: ${cpus().length} cores (${cpus()[0]?.model.trim()}), ${Math.round(totalmem() / 2 ** 30)} GiB RAM, shared with other work (load average column); Node ${process.version}; wrk -t1 -c${CONNECTIONS}; 1 worker: service on CPU 0, wrk / loadtest / Redis on CPU 1; 2 workers: unpinned.`,
    '',
    '| Redis | workers | ceiling req/s | tollgate req/s | share (median) | share per round | open rate (80 % of ceiling) | ceiling p99 ms | tollgate p99 ms | p99 ratio | load avg |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.topology} | ${r.workers} | ${fmt(r.ceilingRps)} | ${fmt(r.tollgateRps)} | **${(r.share * 100).toFixed(1)} %** | ${r.roundShares.map((x) => (x * 100).toFixed(0)).join(' / ')} | ${fmt(r.rate)}/s | ${r.ceilingP99.toFixed(2)} | ${r.tollgateP99.toFixed(2)} | ${r.p99Ratio.toFixed(2)}× | ${r.load.toFixed(1)} |`,
    ),
    '',
    `Rounds (req/s, ceiling | tollgate): ${rows.map((r) => `${r.topology}/${r.workers}w ${r.ceilingRounds.join(', ')} | ${r.tollgateRounds.join(', ')}`).join('; ')}.`,
    `Open model: ${rows.reduce((a, r) => a + r.openFailed, 0)} failed verifies, ${rows.reduce((a, r) => a + r.openDropped, 0)} dropped arrivals in all.`,
  ].join('\n');
  process.stdout.write(md + '\n');
  const out = join(ROOT, 'bench/results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, `verify-ceiling-${date}${LABEL}.md`), md + '\n');
  writeFileSync(
    join(out, `verify-ceiling-${date}${LABEL}.json`),
    JSON.stringify(
      {
        date,
        command: cmd,
        settings: {
          ROUNDS,
          SECONDS,
          WARMUP_SECONDS,
          CONNECTIONS,
          USERS,
          OPEN_ROUNDS,
          OPEN_SECONDS,
          tollgate: TOLLGATE_CLI.replace(ROOT, '.'),
        },
        machine: { cores: cpus().length, model: cpus()[0]?.model.trim(), node: process.version },
        summary: rows,
        samples: results,
      },
      null,
      2,
    ) + '\n',
  );
}

await main();
