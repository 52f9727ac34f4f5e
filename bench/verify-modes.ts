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
 * The `tollgate` target sends the same tokens to tollgate's own GET /api/protected (JWT +
 * tollgate's session check, one script on Redis). With BASELINE=<a built checkout of
 * another tollgate version>, that build runs too (its own Redis and database) and its
 * /api/protected is the `tollgate-baseline` target, measured in the same rotated rounds:
 * what a change to the session check costs, as a ratio in one run.
 *
 * Run: `npm run bench:verify` (= `npm run build && node --import tsx bench/verify-modes.ts`)
 * (env: ROUNDS=3 SECONDS=10 CONNECTIONS=32 USERS=64 BASELINE= ONLY=tollgate). Writes bench/results/verify-modes-<date>.{json,md}.
 */
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
import { envCount, median, runWrk, WRK, writeTokensScript, type WrkSample } from './wrk.js';

const ROOT = resolve(import.meta.dirname, '..');
const ROUNDS = envCount('ROUNDS', 3);
const SECONDS = envCount('SECONDS', 10);
const WARMUP_SECONDS = 2;
const CONNECTIONS = envCount('CONNECTIONS', 32);
const USERS = envCount('USERS', 64);
const AUDIENCE = 'orders-api';

const BASELINE = process.env.BASELINE ? resolve(process.env.BASELINE) : undefined;

type Target = 'jwt-only' | 'redis' | 'introspect' | 'tollgate' | 'tollgate-baseline';
/** ONLY=tollgate measures tollgate's own check alone (and the baseline build), no resource services. */
const TOLLGATE_ONLY = process.env.ONLY === 'tollgate';
const TARGETS: readonly Target[] = [
  ...(TOLLGATE_ONLY ? [] : (['jwt-only', 'redis', 'introspect'] as const)),
  'tollgate',
  ...(BASELINE ? (['tollgate-baseline'] as const) : []),
];

interface Sample extends WrkSample {
  /** CPU ms per 1,000 requests: the service alone, and everything it needed (service + tollgate + Redis). */
  serviceCpuPerK: number;
  totalCpuPerK: number;
}

const TICK_MS = 1000 / TICKS_PER_SECOND;

async function main(): Promise<void> {
  if (!existsSync(WRK)) throw new Error(`${WRK} is missing (Debian package wrk)`);
  const dir = mkdtempSync(join(tmpdir(), 'verify-bench-'));
  const client = clientSecret('orders-api');
  let redis: RedisServerHandle | undefined;
  let tg: TollgateProcess | undefined;
  let baseRedis: RedisServerHandle | undefined;
  let baseTg: TollgateProcess | undefined;
  const services = new Map<Target, ResourceService>();
  try {
    redis = await startRedis();
    tg = await startTollgate({
      env: {
        WORKERS: '2',
        // A loaded machine starts workers slowly: allow them 70 s (2 × this + 10 s).
        REDIS_CONNECT_TIMEOUT_MS: '30000',
        REDIS_URL: redis.url,
        TOKEN_AUDIENCE: AUDIENCE,
        INTROSPECTION_CLIENTS: client.entry,
        LOG_LEVEL: 'warn',
      },
      expectWorkers: 2,
      readyTimeoutMs: 120_000,
    });
    if (BASELINE) {
      baseRedis = await startRedis();
      baseTg = await startTollgate({
        cli: join(BASELINE, 'dist/src/cli.js'),
        env: {
          WORKERS: '2',
          REDIS_CONNECT_TIMEOUT_MS: '30000',
          REDIS_URL: baseRedis.url,
          TOKEN_AUDIENCE: AUDIENCE,
          LOG_LEVEL: 'warn',
        },
        expectWorkers: 2,
        readyTimeoutMs: 120_000,
      });
    }
    const settings = {
      tollgateUrl: tg.url,
      // The issuer tokens carry, as a verifier learns it: from the RFC 8414 metadata.
      issuer: String((await call(tg.url, 'GET', '/.well-known/oauth-authorization-server')).body.issuer),
      audience: AUDIENCE,
      clientId: client.id,
      clientSecret: client.secret,
      redisUrl: redis.url,
    };
    if (!TOLLGATE_ONLY) {
      services.set(
        'jwt-only',
        await startResourceService({
          script: join(ROOT, 'bench/jwt-only-service.ts'),
          env: { TOLLGATE_URL: tg.url, TOLLGATE_ISSUER: settings.issuer, TOLLGATE_AUDIENCE: AUDIENCE },
        }),
      );
      services.set('redis', await startResourceService({ env: ordersServiceEnv('redis', settings) }));
      services.set(
        'introspect',
        await startResourceService({ env: ordersServiceEnv('introspect', settings) }),
      );
    }

    const loginAll = async (url: string): Promise<string[]> => {
      const out: string[] = [];
      await inLanes(USERS, 2, async (i) => {
        const email = `bench-verify-${i}@example.test`;
        // A loaded machine answers 503 `overloaded` while passwords are hashed: retry, bounded.
        for (let attempt = 1; ; attempt++) {
          try {
            await register(url, email);
            break;
          } catch (err) {
            if (attempt >= 10) throw err;
            await new Promise((r) => setTimeout(r, 1000));
          }
        }
        out[i] = (await login(url, email)).access;
      });
      return out;
    };
    const tokens = await loginAll(tg.url);
    for (const [target, service] of services) {
      const r = await call(service.url, 'GET', '/orders', { token: tokens[0]! });
      if (r.status !== 200) throw new Error(`${target}: ${r.status} ${r.text}`);
    }
    const writeScript = (name: string, list: string[]): string => writeTokensScript(join(dir, name), list);
    const script = writeScript('tokens.lua', tokens);
    const baseScript = baseTg ? writeScript('baseline-tokens.lua', await loginAll(baseTg.url)) : script;
    /** Where each target is measured, with which tokens, and which processes do its work. */
    const endpoints = new Map<
      Target,
      { url: string; script: string; service: number[]; backing: number[] }
    >();
    const tollgatePids = [tg.pid, ...childPids(tg.pid)];
    for (const [target, service] of services) {
      endpoints.set(target, {
        url: `${service.url}/orders`,
        script,
        service: [service.pid],
        backing: [...tollgatePids, redis.pid!],
      });
    }
    endpoints.set('tollgate', {
      url: `${tg.url}/api/protected`,
      script,
      service: tollgatePids,
      backing: [redis.pid!],
    });
    if (baseTg && baseRedis) {
      endpoints.set('tollgate-baseline', {
        url: `${baseTg.url}/api/protected`,
        script: baseScript,
        service: [baseTg.pid, ...childPids(baseTg.pid)],
        backing: [baseRedis.pid!],
      });
    }

    const samples = new Map<Target, Sample[]>(TARGETS.map((t) => [t, []]));
    for (let round = 0; round < ROUNDS; round++) {
      const order = TARGETS.map((_, i) => TARGETS[(i + round) % TARGETS.length]!);
      for (const target of order) {
        const { url, script: tokensScript, ...pids } = endpoints.get(target)!;
        await runWrk({ url, script: tokensScript, seconds: WARMUP_SECONDS, connections: CONNECTIONS });
        const before = pids.service.map(cpuTicks);
        const beforeBacking = pids.backing.map(cpuTicks);
        const sample = await runWrk({
          url,
          script: tokensScript,
          seconds: SECONDS,
          connections: CONNECTIONS,
        });
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
    const baseline = (summary.find((s) => s.target === 'jwt-only') ?? summary[0]!).rps;
    const label: Record<Target, string> = {
      'jwt-only': 'JWT only (jose + JWKS, no session check): baseline',
      redis: '`@tollgate/verify`, `redis` mode (JWT + one EXISTS)',
      introspect: '`@tollgate/verify`, `introspect` mode (JWT + one call to tollgate)',
      tollgate: "tollgate's own GET /api/protected (JWT + tollgate's session check)",
      'tollgate-baseline': "tollgate's own GET /api/protected, baseline build (BASELINE)",
    };
    const date = new Date().toISOString().slice(0, 10);
    const lines = [
      `Measured ${date} with \`node --import tsx bench/verify-modes.ts\` (${TOLLGATE_ONLY ? 'ONLY=tollgate ' : ''}${BASELINE ? 'BASELINE=<build> ' : ''}ROUNDS=${ROUNDS} SECONDS=${SECONDS} CONNECTIONS=${CONNECTIONS} USERS=${USERS}).`,
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
    const own = summary.find((s) => s.target === 'tollgate');
    const base = summary.find((s) => s.target === 'tollgate-baseline');
    if (own && base) {
      const perRound = own.rounds.map((r, i) => (r / base.rounds[i]!).toFixed(2)).join(', ');
      lines.push(
        '',
        `tollgate / baseline build: ${(own.rps / base.rps).toFixed(2)} × the requests per second (per round: ${perRound}); p50 ${own.p50Ms.toFixed(2)} vs ${base.p50Ms.toFixed(2)} ms; tollgate CPU ms / 1k req ${own.serviceCpuPerK.toFixed(0)} vs ${base.serviceCpuPerK.toFixed(0)}.`,
      );
    }
    const md = lines.join('\n') + '\n';
    process.stdout.write(md);
    const out = join(ROOT, 'bench/results');
    mkdirSync(out, { recursive: true });
    const name = `verify-modes-${date}${TOLLGATE_ONLY ? '-tollgate' : ''}`;
    writeFileSync(join(out, `${name}.md`), md);
    writeFileSync(
      join(out, `${name}.json`),
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
    await baseTg?.stop().catch(() => undefined);
    await baseRedis?.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
