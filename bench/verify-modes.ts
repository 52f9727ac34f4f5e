/**
 * What honouring logout costs a resource server: the verified-request throughput of the
 * example service of `@tollgate/verify` (packages/verify/examples/orders-service.ts) in
 * `redis` and `introspect` mode, against the same service checking the JWT alone (jose
 * `createRemoteJWKSet` + `jwtVerify`, no session check: bench/jwt-only-service.ts), all
 * in one run and reported as ratios to that baseline.
 *
 * Set-up: one redis-server, tollgate (the built CLI, WORKERS=2), the three services as
 * separate processes, USERS logged-in users whose tokens the load generator (wrk,
 * /usr/bin/wrk) sends round-robin to GET /orders over CONNECTIONS keep-alive
 * connections. Each round measures every service for SECONDS after a short warm-up, in
 * a rotated order; the figure per service is the median of its rounds. Every answer
 * must be a 200 (the run fails otherwise). CPU time of each process is read from /proc.
 *
 * Run: `npm run bench:verify` (= `npm run build && node --import tsx bench/verify-modes.ts`)
 * (env: ROUNDS=3 SECONDS=10 CONNECTIONS=32 USERS=64). Writes bench/results/verify-modes-<date>.{json,md}.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { clientSecret } from '../src/commands/clients.js';
import { call, login, register } from '../test/helpers/http.js';
import { cpuTicks, TICKS_PER_SECOND } from '../test/helpers/proc.js';
import { startRedis, type RedisServerHandle } from '../test/helpers/redis-server.js';
import {
  ordersServiceEnv,
  startResourceService,
  type ResourceService,
} from '../test/helpers/resource-service.js';
import { childPids, inLanes, startTollgate, type TollgateProcess } from '../test/helpers/tollgate-process.js';

const ROOT = resolve(import.meta.dirname, '..');
const WRK = '/usr/bin/wrk';
const num = (name: string, fallback: number): number => {
  const v = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive whole number`);
  return v;
};
const ROUNDS = num('ROUNDS', 3);
const SECONDS = num('SECONDS', 10);
const WARMUP_SECONDS = 2;
const CONNECTIONS = num('CONNECTIONS', 32);
const USERS = num('USERS', 64);
const AUDIENCE = 'orders-api';

type Target = 'jwt-only' | 'redis' | 'introspect';
const TARGETS: readonly Target[] = ['jwt-only', 'redis', 'introspect'];

interface Sample {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  socketErrors: number;
  /** CPU ms per 1,000 requests: the service alone, and everything it needed (service + tollgate + Redis). */
  serviceCpuPerK: number;
  totalCpuPerK: number;
}

const TICK_MS = 1000 / TICKS_PER_SECOND;

/** wrk's "1.23ms" / "850.00us" / "1.02s" in milliseconds. */
function ms(value: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(value.trim());
  if (!m) throw new Error(`unreadable wrk latency "${value}"`);
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 's' ? n * 1000 : n;
}

function runWrk(url: string, script: string, seconds: number): Promise<string> {
  const args = [
    '-t1',
    `-c${CONNECTIONS}`,
    `-d${seconds}s`,
    '--latency',
    '--timeout',
    '5s',
    '-s',
    script,
    url,
  ];
  return new Promise((done, fail) => {
    execFile(WRK, args, { timeout: (seconds + 30) * 1000, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) fail(new Error(`wrk failed: ${err.message}\n${stderr}`));
      else done(stdout);
    });
  });
}

function parseWrk(out: string): Omit<Sample, 'serviceCpuPerK' | 'totalCpuPerK'> {
  const grab = (re: RegExp): string => {
    const m = re.exec(out);
    if (!m) throw new Error(`unexpected wrk output:\n${out}`);
    return m[1]!;
  };
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    rps: Number(grab(/Requests\/sec:\s+([\d.]+)/)),
    p50Ms: ms(grab(/^\s+50%\s+(\S+)$/m)),
    p99Ms: ms(grab(/^\s+99%\s+(\S+)$/m)),
    requests: Number(grab(/(\d+) requests in/)),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
    socketErrors: socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

async function main(): Promise<void> {
  if (!existsSync(WRK)) throw new Error(`${WRK} is missing (Debian package wrk)`);
  const dir = mkdtempSync(join(tmpdir(), 'verify-bench-'));
  const client = clientSecret('orders-api');
  let redis: RedisServerHandle | undefined;
  let tg: TollgateProcess | undefined;
  const services = new Map<Target, ResourceService>();
  try {
    redis = await startRedis();
    tg = await startTollgate({
      env: {
        WORKERS: '2',
        REDIS_URL: redis.url,
        TOKEN_AUDIENCE: AUDIENCE,
        INTROSPECTION_CLIENTS: client.entry,
        LOG_LEVEL: 'warn',
      },
      expectWorkers: 2,
      readyTimeoutMs: 60_000,
    });
    const settings = {
      tollgateUrl: tg.url,
      // The issuer tokens carry, as a verifier learns it: from the RFC 8414 metadata.
      issuer: String((await call(tg.url, 'GET', '/.well-known/oauth-authorization-server')).body.issuer),
      audience: AUDIENCE,
      clientId: client.id,
      clientSecret: client.secret,
      redisUrl: redis.url,
    };
    services.set(
      'jwt-only',
      await startResourceService({
        script: join(ROOT, 'bench/jwt-only-service.ts'),
        env: { TOLLGATE_URL: tg.url, TOLLGATE_ISSUER: settings.issuer, TOLLGATE_AUDIENCE: AUDIENCE },
      }),
    );
    services.set('redis', await startResourceService({ env: ordersServiceEnv('redis', settings) }));
    services.set('introspect', await startResourceService({ env: ordersServiceEnv('introspect', settings) }));

    const tokens: string[] = [];
    await inLanes(USERS, 4, async (i) => {
      const email = `bench-verify-${i}@example.test`;
      await register(tg!.url, email);
      tokens[i] = (await login(tg!.url, email)).access;
    });
    for (const [target, service] of services) {
      const r = await call(service.url, 'GET', '/orders', { token: tokens[0]! });
      if (r.status !== 200) throw new Error(`${target}: ${r.status} ${r.text}`);
    }
    const script = join(dir, 'tokens.lua');
    writeFileSync(
      script,
      [
        `local tokens = {${tokens.map((t) => `"${t}"`).join(',')}}`,
        'local i = 0',
        'request = function()',
        '  i = i % #tokens + 1',
        '  return wrk.format("GET", nil, {["Authorization"] = "Bearer " .. tokens[i]})',
        'end',
      ].join('\n'),
    );

    const tollgatePids = [tg.pid, ...childPids(tg.pid)];
    const samples = new Map<Target, Sample[]>(TARGETS.map((t) => [t, []]));
    for (let round = 0; round < ROUNDS; round++) {
      const order = TARGETS.map((_, i) => TARGETS[(i + round) % TARGETS.length]!);
      for (const target of order) {
        const service = services.get(target)!;
        const url = `${service.url}/orders`;
        await runWrk(url, script, WARMUP_SECONDS);
        const pids = { service: [service.pid], backing: [...tollgatePids, redis.pid!] };
        const before = pids.service.map(cpuTicks);
        const beforeBacking = pids.backing.map(cpuTicks);
        const sample = parseWrk(await runWrk(url, script, SECONDS));
        const serviceMs = pids.service.reduce((a, p, i) => a + cpuTicks(p) - before[i]!, 0) * TICK_MS;
        const backingMs = pids.backing.reduce((a, p, i) => a + cpuTicks(p) - beforeBacking[i]!, 0) * TICK_MS;
        const perK = (x: number): number => (x / Math.max(1, sample.requests)) * 1000;
        const full: Sample = {
          ...sample,
          serviceCpuPerK: perK(serviceMs),
          totalCpuPerK: perK(serviceMs + backingMs),
        };
        samples.get(target)!.push(full);
        console.error(
          `round ${round + 1}/${ROUNDS} ${target.padEnd(10)} ${sample.rps.toFixed(0)} req/s, p99 ${sample.p99Ms.toFixed(2)} ms, non-2xx ${sample.non2xx}, socket errors ${sample.socketErrors}`,
        );
        if (sample.non2xx > 0 || sample.socketErrors > 0) {
          throw new Error(
            `${target}: ${sample.non2xx} non-2xx answers, ${sample.socketErrors} socket errors`,
          );
        }
      }
    }

    const summary = TARGETS.map((target) => {
      const xs = samples.get(target)!;
      return {
        target,
        rps: median(xs.map((s) => s.rps)),
        p50Ms: median(xs.map((s) => s.p50Ms)),
        p99Ms: median(xs.map((s) => s.p99Ms)),
        serviceCpuPerK: median(xs.map((s) => s.serviceCpuPerK)),
        totalCpuPerK: median(xs.map((s) => s.totalCpuPerK)),
        rounds: xs.map((s) => Math.round(s.rps)),
      };
    });
    const baseline = summary.find((s) => s.target === 'jwt-only')!.rps;
    const label: Record<Target, string> = {
      'jwt-only': 'JWT only (jose + JWKS, no session check): baseline',
      redis: '`@tollgate/verify`, `redis` mode (JWT + one EXISTS)',
      introspect: '`@tollgate/verify`, `introspect` mode (JWT + one call to tollgate)',
    };
    const date = new Date().toISOString().slice(0, 10);
    const lines = [
      `Measured ${date} with \`node --import tsx bench/verify-modes.ts\` (ROUNDS=${ROUNDS} SECONDS=${SECONDS} CONNECTIONS=${CONNECTIONS} USERS=${USERS}).`,
      '',
      `Machine: ${cpus().length} cores (${cpus()[0]?.model.trim()}), ${Math.round(totalmem() / 2 ** 30)} GiB RAM, shared with other work; Node ${process.version}; redis-server from PATH; tollgate WORKERS=2; wrk -t1 -c${CONNECTIONS} on the same machine.`,
      '',
      '| service | req/s (median of rounds) | share of JWT-only | p50 ms | p99 ms | service CPU ms / 1k req | all CPU ms / 1k req | req/s per round |',
      '|---|---|---|---|---|---|---|---|',
      ...summary.map(
        (s) =>
          `| ${label[s.target]} | ${Math.round(s.rps).toLocaleString('en-US')} | ${Math.round((s.rps / baseline) * 100)} % | ${s.p50Ms.toFixed(2)} | ${s.p99Ms.toFixed(2)} | ${s.serviceCpuPerK.toFixed(0)} | ${s.totalCpuPerK.toFixed(0)} | ${s.rounds.join(', ')} |`,
      ),
    ];
    const md = lines.join('\n') + '\n';
    process.stdout.write(md);
    const out = join(ROOT, 'bench/results');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, `verify-modes-${date}.md`), md);
    writeFileSync(
      join(out, `verify-modes-${date}.json`),
      JSON.stringify(
        {
          date,
          settings: { ROUNDS, SECONDS, WARMUP_SECONDS, CONNECTIONS, USERS, tollgateWorkers: 2 },
          machine: { cores: cpus().length, model: cpus()[0]?.model.trim(), node: process.version },
          summary,
          samples: Object.fromEntries(samples),
        },
        null,
        2,
      ) + '\n',
    );
  } finally {
    for (const s of services.values()) await s.stop().catch(() => undefined);
    await tg?.stop().catch(() => undefined);
    await redis?.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
