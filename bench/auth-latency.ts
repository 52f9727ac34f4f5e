/**
 * The two operations that matter most, on a real redis-server and on the memory store,
 * each against an independent baseline measured in the same run:
 *
 * - sequential latency (one request at a time on a keep-alive connection): login
 *   (argon2id verify + store round trips + EdDSA sign) and verify (GET /api/protected:
 *   cached signature check + one session check); baselines: `redis-benchmark -c 1
 *   EXISTS` (one Redis round trip) and a bare Fastify hello-world through the same client;
 * - verify throughput with `wrk` (one thread, keep-alive connections), the baseline being
 *   `wrk` on the same bare Fastify hello-world in the same process.
 *
 * The machine is shared and noisy, so verify measurements run in interleaved rounds
 * (every target, then every target again) and each target keeps its best round; read
 * the ratios to the baselines, not the absolute numbers.
 * Run: `node --import tsx bench/auth-latency.ts` (about 2 minutes). Knobs:
 * BENCH_ROUNDS (default 3), BENCH_VERIFY_N (sequential verifies per round, default
 * 1000), BENCH_WRK_SECONDS (per round, default 3), BENCH_WRK_CONNECTIONS (default 32).
 */
import { execFile } from 'node:child_process';
import Fastify from 'fastify';
import { argon2idHasher } from '../src/auth/passwords.js';
import { startTestApp, type TestApp } from '../test/helpers/app.js';
import { call, PASSWORD, registerAndLogin } from '../test/helpers/http.js';
import { startRedis } from '../test/helpers/redis-server.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const VERIFY_N = Number(process.env.BENCH_VERIFY_N ?? 1000);
const LOGIN_N = 100;
const WRK_SECONDS = Number(process.env.BENCH_WRK_SECONDS ?? 3);
const WRK_CONNECTIONS = Number(process.env.BENCH_WRK_CONNECTIONS ?? 32);

interface Latency {
  p50: number;
  p99: number;
}

interface Throughput extends Latency {
  rps: number;
  /** CPU time of this process (the app, in-process) per request, microseconds. */
  cpuUsPerRequest: number;
}

const pct = (xs: number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!;

function run(cmd: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs }, (err, stdout) =>
      err ? reject(new Error(`${cmd}: ${err.message}`)) : resolve(stdout),
    );
  });
}

/** Sequential requests on one keep-alive connection; throws on an unexpected status. */
async function sequential(
  url: string,
  n: number,
  send: () => Promise<{ status: number }>,
  expected = 200,
): Promise<Latency> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = await send();
    times.push(performance.now() - t0);
    if (r.status !== expected) throw new Error(`${url}: status ${r.status}`);
  }
  return { p50: pct(times, 50), p99: pct(times, 99) };
}

/** wrk's duration string ("812.00us", "1.20ms", "1.01s") in milliseconds. */
function wrkMs(value: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(value.trim());
  if (!m) throw new Error(`unexpected wrk latency ${value}`);
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : n * 60_000;
}

async function wrk(url: string, headers: Record<string, string> = {}): Promise<Throughput> {
  const headerArgs = Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
  const args = ['-t', '1', '-c', String(WRK_CONNECTIONS), '--latency', ...headerArgs];
  const cpu0 = process.cpuUsage();
  const out = await run('wrk', [...args, '-d', `${WRK_SECONDS}s`, url], (WRK_SECONDS + 30) * 1000);
  const cpu = process.cpuUsage(cpu0);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  if (non2xx) throw new Error(`wrk ${url}: ${non2xx[1]} non-2xx answers`);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const p50 = /^\s+50%\s+(\S+)$/m.exec(out)?.[1];
  const p99 = /^\s+99%\s+(\S+)$/m.exec(out)?.[1];
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  if (!rps || !p50 || !p99 || !requests) throw new Error(`cannot read wrk output:\n${out}`);
  return { rps, p50: wrkMs(p50), p99: wrkMs(p99), cpuUsPerRequest: (cpu.user + cpu.system) / requests };
}

/** One Redis round trip, sequential: the floor under a verify on Redis. */
async function redisRoundTrip(port: number): Promise<Latency> {
  const out = await run(
    'redis-benchmark',
    ['-h', '127.0.0.1', '-p', String(port), '-c', '1', '-n', String(VERIFY_N * 5), '--csv', 'EXISTS', 'k'],
    60_000,
  );
  const cols = out
    .trim()
    .split('\n')
    .at(-1)!
    .split(',')
    .map((c) => c.replaceAll('"', ''));
  return { p50: Number(cols[4]), p99: Number(cols[6]) };
}

interface VerifyTarget {
  label: string;
  url: string;
  headers: Record<string, string>;
  login?: Latency;
  /** Best round of each measure (lowest p50, highest req/s, lowest CPU per request). */
  best?: { sequential: Latency; loaded: Throughput; cpu: number };
}

const redis = await startRedis();
const hello = Fastify({ logger: false });
hello.get('/hello', async () => ({ message: 'hello', timestamp: new Date().toISOString() }));
const apps: TestApp[] = [];
const f2 = (n: number) => n.toFixed(3);
const lines: string[] = [];
try {
  const hasher = argon2idHasher(); // the real password cost
  const targets: VerifyTarget[] = [];
  for (const [label, env] of [
    ['tollgate on redis', { REDIS_URL: redis.url, LOGIN_MAX_FAILURES_PER_IP: '1000000' }],
    ['tollgate on memory', { STORE: 'memory' }],
  ] as const) {
    const app = await startTestApp(env, { hasher });
    apps.push(app);
    const url = app.target as string;
    const email = `bench-${Date.now()}@example.test`;
    await registerAndLogin(url, email);
    const login = await sequential(url, LOGIN_N, () =>
      call(url, 'POST', '/auth/login', { body: { email, password: PASSWORD } }),
    );
    // A fresh session: the logins above may have ended the oldest (MAX_SESSIONS_PER_USER).
    const { access } = await registerAndLogin(url, email);
    targets.push({
      label,
      url: `${url}/api/protected`,
      headers: { authorization: `Bearer ${access}` },
      login,
    });
  }
  const helloUrl = await hello.listen({ host: '127.0.0.1', port: 0 });
  targets.push({ label: 'bare Fastify hello-world (baseline)', url: `${helloUrl}/hello`, headers: {} });

  for (const t of targets) await wrk(t.url, t.headers); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    for (const t of targets) {
      const seq = await sequential(t.url, VERIFY_N, () => call(t.url, 'GET', '', { headers: t.headers }));
      const loaded = await wrk(t.url, t.headers);
      t.best = {
        sequential: !t.best || seq.p50 < t.best.sequential.p50 ? seq : t.best.sequential,
        loaded: !t.best || loaded.rps > t.best.loaded.rps ? loaded : t.best.loaded,
        cpu: Math.min(t.best?.cpu ?? Infinity, loaded.cpuUsPerRequest),
      };
    }
    console.error(`  round ${round + 1}/${ROUNDS} done`);
  }
  const rtt = await redisRoundTrip(redis.port);

  const baseline = targets.at(-1)!.best!;
  const rows = targets.map((t) => {
    const b = t.best!;
    const login = t.login ? `${f2(t.login.p50)} | ${f2(t.login.p99)}` : '– | –';
    return (
      `| ${t.label} | ${login} | ${f2(b.sequential.p50)} | ${f2(b.sequential.p99)} | ` +
      `${Math.round(b.loaded.rps)} | ${f2(b.loaded.p50)} | ${f2(b.loaded.p99)} | ` +
      `${((b.loaded.rps / baseline.loaded.rps) * 100).toFixed(1)} % | ${b.cpu.toFixed(1)} |`
    );
  });
  rows.push(
    `| redis-benchmark -c 1 EXISTS (baseline) | – | – | ${f2(rtt.p50)} | ${f2(rtt.p99)} | – | – | – | – |`,
  );
  const onRedis = targets[0]!.best!;
  lines.push(
    `Login: ${LOGIN_N} sequential. Verify (GET /api/protected; the baseline GET /hello): best of ${ROUNDS} ` +
      `interleaved rounds, each ${VERIFY_N} sequential requests on one keep-alive connection, then wrk ` +
      `(1 thread, ${WRK_CONNECTIONS} connections, ${WRK_SECONDS} s). Times in ms. "CPU us/req": CPU time of ` +
      'the process serving the app per request under wrk (Redis and wrk excluded), far less sensitive to a noisy machine.',
    '',
    '| target | login p50 | login p99 | verify p50 | verify p99 | wrk req/s | wrk p50 | wrk p99 | wrk vs hello-world | CPU us/req |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    `verify on Redis, sequential p50 above the hello-world's: ${f2(onRedis.sequential.p50 - baseline.sequential.p50)} ms ` +
      `(one Redis round trip: ${f2(rtt.p50)} ms); CPU per verify on Redis above the hello-world's: ` +
      `${(onRedis.cpu - baseline.cpu).toFixed(1)} us.`,
  );
} finally {
  for (const app of apps) await app.close();
  await hello.close();
  await redis.stop();
}
console.log(lines.join('\n'));
