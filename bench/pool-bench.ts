/**
 * Redis pool benchmark (`npm run bench:pool`). Starts its own redis-server (free port,
 * temp dir), then measures store-like operations at a fixed concurrency through:
 * node-redis raw (one client, no pool), tollgate's pool in multiplexed mode with 1..16
 * connections (and with 2 plus its Prometheus metrics, as the service runs it) and in
 * exclusive (checkout) mode at several sizes including the old
 * presets 20 / 30 / 40, and node-redis `createClientPool` at the old preset sizes.
 * `redis-benchmark` on the same server gives the ceiling. Prints a markdown table and
 * writes it to bench/results/pool-<date>.md. Bounded: about 2 minutes.
 *
 * The machine is shared and noisy, so rounds are interleaved (every client, then every
 * client again, ...) and each client reports its best round: a burst of foreign load
 * then hits one round of many clients instead of every round of one client. Client CPU
 * per operation (process.cpuUsage) is reported too; it is far less sensitive to noise.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import * as hdr from 'hdr-histogram-js';
import { Registry } from 'prom-client';
import { createClient, createClientPool } from 'redis';
import type { RedisConfig } from '../src/config/schema.js';
import { registerPoolMetrics } from '../src/metrics/pool-metrics.js';
import { createPool, defineScript } from '../src/redis/index.js';
import type { RedisArg } from '../src/redis/types.js';
import { poolConfig } from '../test/helpers/pool-config.js';
import { startRedis, type RedisServerHandle } from '../test/helpers/redis-server.js';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 256);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 1000);
const WARMUP_MS = 300;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const SESSION_KEY = 'tg:sess:{u1}:s1';
const script = defineScript(
  'bench-touch',
  "if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('PEXPIRE', KEYS[1], ARGV[1]) end return 0",
  1,
);
type Op = 'exists' | 'evalsha' | 'set';
const OPS: Record<Op, RedisArg[]> = {
  exists: ['EXISTS', SESSION_KEY],
  evalsha: ['EVALSHA', script.sha1, '1', SESSION_KEY, '900000'],
  set: ['SET', 'tg:bench:{u1}:k', 'v', 'EX', '60'],
};
const MIX: Op[] = ['exists', 'evalsha', 'set'];

type Send = (args: RedisArg[]) => Promise<unknown>;
interface Target {
  name: string;
  connections: number;
  open(): Promise<Send>;
  close(): Promise<void>;
}

interface Result {
  name: string;
  connections: number;
  ops: number;
  opsPerSec: number;
  p50: number;
  p99: number;
  errors: number;
  /** Client (this process) CPU per operation, microseconds. */
  cpuUsPerOp: number;
}

function config(port: number, poolMode: 'multiplexed' | 'exclusive', poolSize: number): RedisConfig {
  // Generous bounds: the bench measures throughput, not the pool's refusals.
  return poolConfig(port, {
    poolSize,
    poolSizeTotal: poolSize,
    poolMode,
    healthCheckTimeoutMs: 1000,
    connectTimeoutMs: 5000,
    commandTimeoutMs: 5000,
    acquireTimeoutMs: 10_000,
    maxPending: 100_000,
  });
}

/** `withMetrics`: as the service runs it, every call observed by the Prometheus histogram. */
function tollgate(
  port: number,
  mode: 'multiplexed' | 'exclusive',
  size: number,
  withMetrics = false,
): Target {
  const pool = createPool(config(port, mode, size), {
    name: 'bench',
    maxInFlightPerConnection: 100_000,
  });
  if (withMetrics) registerPoolMetrics(new Registry(), pool);
  return {
    name: `tollgate ${mode}${withMetrics ? ' + metrics' : ''}`,
    connections: size,
    async open() {
      await pool.connect();
      // The bench measures the pool, so every connection must be up first.
      while (pool.stats().open < size) await sleep(10);
      return (args) => pool.command(args);
    },
    close: () => pool.close(),
  };
}

function nodeRedisRaw(port: number): Target {
  const client = createClient({
    socket: { host: '127.0.0.1', port },
    RESP: 2,
    maintNotifications: 'disabled',
  });
  client.on('error', () => undefined);
  return {
    name: 'node-redis client (no pool)',
    connections: 1,
    async open() {
      await client.connect();
      return (args) => client.sendCommand(args);
    },
    close: () => client.close(),
  };
}

function nodeRedisPool(port: number, size: number): Target {
  const pool = createClientPool(
    { socket: { host: '127.0.0.1', port }, RESP: 2, maintNotifications: 'disabled' },
    { minimum: size, maximum: size, acquireTimeout: 10_000 },
  );
  pool.on('error', () => undefined);
  return {
    name: 'node-redis createClientPool',
    connections: size,
    async open() {
      await pool.connect();
      return (args) => pool.sendCommand(args);
    },
    close: () => pool.close(),
  };
}

async function drive(send: Send, ops: readonly Op[], durationMs: number, record: boolean) {
  const histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
  });
  let count = 0;
  let errors = 0;
  let i = 0;
  const end = performance.now() + durationMs;
  const worker = async () => {
    while (performance.now() < end) {
      const op = ops[i++ % ops.length]!;
      const t0 = performance.now();
      try {
        await send(OPS[op]);
      } catch {
        errors++;
      }
      if (record) histogram.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
      count++;
    }
  };
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const cpu = process.cpuUsage(cpu0);
  const elapsed = performance.now() - t0;
  return {
    cpuUsPerOp: (cpu.user + cpu.system) / Math.max(1, count),
    ops: count,
    opsPerSec: (count / elapsed) * 1000,
    p50: histogram.getValueAtPercentile(50) / 1000,
    p99: histogram.getValueAtPercentile(99) / 1000,
    errors,
  };
}

interface Case {
  target: Target;
  ops: readonly Op[];
  send?: Send;
  best?: Result;
}

/** Opens every case, runs ROUNDS interleaved rounds, keeps each case's best round. */
async function measureAll(cases: Case[], onRound?: (round: number) => Promise<void>): Promise<Result[]> {
  try {
    for (const c of cases) {
      c.send = await c.target.open();
      await drive(c.send, c.ops, WARMUP_MS, false);
    }
    for (let round = 0; round < ROUNDS; round++) {
      await onRound?.(round);
      for (const c of cases) {
        const res = await drive(c.send!, c.ops, DURATION_MS, true);
        if (!c.best || res.opsPerSec > c.best.opsPerSec) {
          c.best = { name: c.target.name, connections: c.target.connections, ...res };
        }
      }
      console.error(`  round ${round + 1}/${ROUNDS} done`);
    }
    return cases.map((c) => c.best!);
  } finally {
    for (const c of cases) await c.target.close().catch(() => undefined);
  }
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 60_000 }, (err, stdout) =>
      err ? reject(new Error(err.message)) : resolve(stdout),
    );
  });
}

interface Ceiling {
  rps: number;
  p50: number;
  p99: number;
}

/** One redis-benchmark run for one command, CSV output. */
async function redisBenchmark(port: number, args: RedisArg[], pipeline: number): Promise<Ceiling> {
  const n = pipeline > 1 ? 400_000 : 60_000;
  const out = await run('redis-benchmark', [
    '-h',
    '127.0.0.1',
    '-p',
    String(port),
    '-c',
    String(CONCURRENCY),
    '-n',
    String(n),
    '-P',
    String(pipeline),
    '--csv',
    ...args.map(String),
  ]);
  const line = out.trim().split('\n').at(-1)!;
  const cols = line.split(',').map((c) => c.replaceAll('"', ''));
  return { rps: Number(cols[1]), p50: Number(cols[4]), p99: Number(cols[6]) };
}

function better(a: Ceiling | undefined, b: Ceiling): Ceiling {
  return !a || b.rps > a.rps ? b : a;
}

/** Throughput of a 1:1:1 mix from per-command rates (harmonic mean). */
function mixRate(rates: number[]): number {
  return rates.length / rates.reduce((s, r) => s + 1 / r, 0);
}

const fmt = (n: number, d = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

async function main(): Promise<void> {
  const started = Date.now();
  const redis: RedisServerHandle = await startRedis();
  try {
    const port = redis.port;
    await redis.cli('SET', SESSION_KEY, 'x', 'EX', '3600');
    await redis.cli('SCRIPT', 'LOAD', script.source);
    const redisVersion = (await redis.cli('INFO', 'server')).match(/redis_version:(\S+)/)?.[1] ?? '?';

    console.error(
      `bench:pool  concurrency=${CONCURRENCY}  duration=${DURATION_MS}ms x ${ROUNDS} rounds  redis ${redisVersion} on :${port}`,
    );

    // Ceiling: redis-benchmark, same commands, same server, same number of clients; one
    // run per command in every round (interleaved with the clients), best kept.
    const plain: Partial<Record<Op, Ceiling>> = {};
    const pipelined: Partial<Record<Op, Ceiling>> = {};
    for (const op of MIX) pipelined[op] = await redisBenchmark(port, OPS[op], 16);
    const ceilingRound = async () => {
      for (const op of MIX) plain[op] = better(plain[op], await redisBenchmark(port, OPS[op], 1));
    };

    const targets: Target[] = [
      nodeRedisRaw(port),
      ...[1, 2, 4, 8, 16].map((n) => tollgate(port, 'multiplexed', n)),
      tollgate(port, 'multiplexed', 2, true),
      ...[4, 8, 16, 20, 30, 40, 64].map((n) => tollgate(port, 'exclusive', n)),
      ...[20, 30, 40].map((n) => nodeRedisPool(port, n)),
    ];
    console.error(`  mixed workload: ${targets.length} clients x ${ROUNDS} rounds`);
    const mixed = await measureAll(
      targets.map((target) => ({ target, ops: MIX })),
      ceilingRound,
    );
    const ceilings = Object.fromEntries(
      MIX.map((op) => [op, { plain: plain[op]!, pipelined: pipelined[op]! }]),
    ) as Record<Op, { plain: Ceiling; pipelined: Ceiling }>;
    const ceilingMix = mixRate(MIX.map((op) => ceilings[op].plain.rps));
    const ceilingMixPipelined = mixRate(MIX.map((op) => ceilings[op].pipelined.rps));

    // Per command: the chosen default against the old preset and redis-benchmark.
    const perCommand: { op: Op; results: Result[] }[] = [];
    for (const op of MIX) {
      console.error(`  per command: ${op}`);
      const results = await measureAll([
        { target: tollgate(port, 'multiplexed', 2), ops: [op] },
        { target: tollgate(port, 'exclusive', 20), ops: [op] },
        { target: nodeRedisPool(port, 20), ops: [op] },
      ]);
      perCommand.push({ op, results });
    }

    const date = new Date().toISOString().slice(0, 10);
    const cpu = cpus();
    const lines: string[] = [];
    lines.push(`### Pool benchmark ${new Date().toISOString()}`);
    lines.push('');
    lines.push(
      `Machine: ${cpu.length} cores (${cpu[0]?.model.trim() ?? '?'}), ${fmt(totalmem() / 2 ** 30, 1)} GiB, shared and noisy; ` +
        `Node ${process.version}; redis-server ${redisVersion} on loopback (started by the bench, no persistence).`,
    );
    lines.push(
      `Closed loop, ${CONCURRENCY} concurrent callers, best of ${ROUNDS} interleaved rounds of ${DURATION_MS} ms after a ${WARMUP_MS} ms warm-up ` +
        '(redis-benchmark: best of one run per round, same number of clients). ' +
        'Mix = EXISTS on a session key, EVALSHA of a small touch script, SET with EX, 1:1:1. ' +
        '"CPU us/op" = CPU time of the client process per operation.',
    );
    lines.push('');
    lines.push(
      '| client | connections | ops/s (mix) | p50 ms | p99 ms | vs redis-benchmark | CPU us/op | errors |',
    );
    lines.push('|---|---:|---:|---:|---:|---:|---:|---:|');
    lines.push(
      `| redis-benchmark (ceiling, ${CONCURRENCY} clients, no pipelining) | ${CONCURRENCY} | ${fmt(ceilingMix)} | ` +
        `${fmt(mixRate(MIX.map((o) => ceilings[o].plain.p50)), 2)} | ${fmt(Math.max(...MIX.map((o) => ceilings[o].plain.p99)), 2)} | 100 % | – | 0 |`,
    );
    lines.push(
      `| redis-benchmark -P 16 (server max) | ${CONCURRENCY} | ${fmt(ceilingMixPipelined)} | ` +
        `${fmt(mixRate(MIX.map((o) => ceilings[o].pipelined.p50)), 2)} | ${fmt(Math.max(...MIX.map((o) => ceilings[o].pipelined.p99)), 2)} | ${fmt((ceilingMixPipelined / ceilingMix) * 100)} % | – | 0 |`,
    );
    for (const r of mixed) {
      lines.push(
        `| ${r.name} | ${r.connections} | ${fmt(r.opsPerSec)} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${fmt((r.opsPerSec / ceilingMix) * 100)} % | ${fmt(r.cpuUsPerOp, 1)} | ${r.errors} |`,
      );
    }
    lines.push('');
    lines.push('Per command (ops/s, p99 ms):');
    lines.push('');
    lines.push(
      '| command | redis-benchmark | tollgate multiplexed x2 | tollgate exclusive x20 | node-redis createClientPool x20 |',
    );
    lines.push('|---|---:|---:|---:|---:|');
    for (const { op, results } of perCommand) {
      const c = ceilings[op].plain;
      lines.push(
        `| ${String(OPS[op][0])} | ${fmt(c.rps)} (p99 ${fmt(c.p99, 2)}) | ` +
          results
            .map((r) => `${fmt(r.opsPerSec)} (p99 ${fmt(r.p99, 2)}, ${fmt((r.opsPerSec / c.rps) * 100)} %)`)
            .join(' | ') +
          ' |',
      );
    }
    lines.push('');
    lines.push(`Command: \`npm run bench:pool\` (took ${fmt((Date.now() - started) / 1000)} s).`);
    const table = lines.join('\n') + '\n';
    console.log(table);
    mkdirSync('bench/results', { recursive: true });
    const file = `bench/results/pool-${date}.md`;
    writeFileSync(file, table);
    console.error(`written to ${file}`);
  } finally {
    await redis.stop();
  }
}

await main();
