/**
 * Where one worker's event loop goes on the login path: tollgate (WORKERS=1, Redis
 * sessions, PostgreSQL accounts) under `--cpu-prof` on CPU 0, correct logins from 4
 * clients for SECONDS (this generator, Redis and PostgreSQL on CPU 1). Reports the main
 * thread's CPU per login and its top self-time entries, grouped by file, and by function.
 *
 * Run: `flock /tmp/tollgate-bench.lock npm run bench:login-profile`
 * (env: SECONDS=10 CLIENTS=4 PROFILE=1, TOLLGATE_CLI=<another build's dist/src/cli.js> to measure it).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { call, PASSWORD, register } from '../test/helpers/http.js';
import { postgresDatabase } from '../test/helpers/postgres-server.js';
import { cpuTicks, TICKS_PER_SECOND } from '../test/helpers/proc.js';
import { startRedis } from '../test/helpers/redis-server.js';
import { startTollgate } from '../test/helpers/tollgate-process.js';

const ROOT = resolve(import.meta.dirname, '..');
const SECONDS = Number(process.env.SECONDS ?? 10);
const CLIENTS = Number(process.env.CLIENTS ?? 4);
/** PROFILE=0: no CPU profile (its sampling costs the main thread CPU time of its own). */
const PROFILE = process.env.PROFILE !== '0';

interface CpuProfile {
  startTime: number;
  endTime: number;
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples: number[];
  timeDeltas: number[];
}

const pin = (pid: number, cpu: string) =>
  execFileSync('taskset', ['-a', '-pc', cpu, String(pid)], { stdio: 'ignore' });

const redis = await startRedis();
const database = await postgresDatabase();
pin(process.pid, '1');
if (redis.pid) pin(redis.pid, '1');
const dir = mkdtempSync(join(tmpdir(), 'login-profile-'));
mkdirSync(join(dir, 'prof'));
const tg = await startTollgate({
  nodeArgs: PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${join(dir, 'prof')}`] : [],
  env: {
    WORKERS: '1',
    LOG_LEVEL: 'warn',
    REDIS_URL: redis.url,
    DATABASE_URL: database,
    PASSWORD_POLICY: 'off',
  },
  cpus: '0',
  ...(process.env.TOLLGATE_CLI ? { cli: process.env.TOLLGATE_CLI } : {}),
  readyTimeoutMs: 120_000,
});
let logins = 0;
let windowUs = 0;
let t0 = 0;
let tEnd = 0;
let stopped = 0;
let mainTicks = 0;
let allTicks = 0;
try {
  const emails = Array.from({ length: CLIENTS }, (_, i) => `profile-${i}@example.test`);
  for (const e of emails) await register(tg.url, e);
  const [main0, all0] = [cpuTicks(tg.pid, tg.pid), cpuTicks(tg.pid)];
  const split = () =>
    readFileSync(`/proc/${tg.pid}/task/${tg.pid}/stat`, 'utf8')
      .split(') ')[1]!
      .split(' ')
      .slice(11, 13)
      .map(Number);
  const split0 = split();
  const ctx = () =>
    readFileSync(`/proc/${tg.pid}/task/${tg.pid}/status`, 'utf8')
      .match(/ctxt_switches:\s+(\d+)/g)!
      .map((m) => Number(m.split(/\s+/)[1]));
  const ctx0 = ctx();
  t0 = performance.now();
  const end = t0 + SECONDS * 1000;
  await Promise.all(
    emails.map(async (email) => {
      while (performance.now() < end) {
        const r = await call(tg.url, 'POST', '/auth/login', {
          body: { email, password: PASSWORD },
          timeoutMs: 30_000,
        });
        if (r.status !== 200) throw new Error(`login answered ${r.status}`);
        logins++;
      }
    }),
  );
  tEnd = performance.now();
  mainTicks = cpuTicks(tg.pid, tg.pid) - main0;
  const split1 = split();
  const ctx1 = ctx();
  console.log(
    `main thread user ${split1[0]! - split0[0]!} ticks, kernel ${split1[1]! - split0[1]!} ticks; context switches voluntary ${ctx1[0]! - ctx0[0]!}, involuntary ${ctx1[1]! - ctx0[1]!}`,
  );
  allTicks = cpuTicks(tg.pid) - all0;
  windowUs = (tEnd - t0) * 1000;
} finally {
  await tg.stop();
  stopped = performance.now();
  await redis.stop();
}
if (!PROFILE) {
  console.log(
    `${logins} logins in ${(windowUs / 1e6).toFixed(1)} s; from /proc: main thread ${((1000 * mainTicks) / TICKS_PER_SECOND / logins).toFixed(2)} ms per login, ` +
      `the whole process ${((1000 * allTicks) / TICKS_PER_SECOND / logins).toFixed(2)} ms per login`,
  );
  process.exit(0);
}
// The main thread's profile is the largest one (the hashing threads' are mostly idle time).
const files = readdirSync(join(dir, 'prof')).map((f) => join(dir, 'prof', f));
const main = files.sort((a, b) => statSync(b).size - statSync(a).size)[0]!;
const profile = JSON.parse(readFileSync(main, 'utf8')) as CpuProfile;
const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
const byFn = new Map<string, number>();
const byFile = new Map<string, number>();
let busy = 0;
const other = new Map<string, number>();
// The profile ends when the service exits (about when stop() returned): the measured
// window is counted back from there, leaving out start-up, set-up and shutdown.
const fromUs = profile.endTime - (stopped - t0) * 1000;
const toUs = profile.endTime - (stopped - tEnd) * 1000;
let t = profile.startTime;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  t += dt;
  if (t < fromUs || t > toUs) return;
  const f = byId.get(id)!;
  if (f.functionName === '(idle)' || f.functionName === '(program)') {
    other.set(f.functionName, (other.get(f.functionName) ?? 0) + dt);
    return;
  }
  const file = f.url
    .replace(/^file:\/\//, '')
    .replace(`${ROOT}/`, '')
    .replace(/^.*node_modules\//, 'nm:');
  const key = `${f.functionName || '(anonymous)'} ${file}:${f.lineNumber + 1}`;
  byFn.set(key, (byFn.get(key) ?? 0) + dt);
  const group = file.startsWith('nm:')
    ? file
        .split('/')
        .slice(0, file.startsWith('nm:@') ? 2 : 1)
        .join('/')
    : file || f.functionName;
  byFile.set(group, (byFile.get(group) ?? 0) + dt);
  busy += dt;
});
console.log(
  `${logins} logins in ${(windowUs / 1e6).toFixed(1)} s (${((logins * 1e6) / windowUs).toFixed(1)}/s); main thread busy ${(busy / 1000).toFixed(0)} ms = ${(busy / 1000 / logins).toFixed(2)} ms per login`,
);
const top = (m: Map<string, number>, n: number) =>
  [...m.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `${((100 * v) / busy).toFixed(1).padStart(5)} %  ${k}`)
    .join('\n');
console.log(
  `outside JavaScript: ${[...other].map(([k, v]) => `${k} ${(v / 1000 / logins).toFixed(2)} ms per login`).join(', ')}`,
);
console.log(
  `from /proc over the window: main thread ${((1000 * mainTicks) / TICKS_PER_SECOND / logins).toFixed(2)} ms per login ` +
    `(user + kernel), the whole process ${((1000 * allTicks) / TICKS_PER_SECOND / logins).toFixed(2)} ms per login`,
);
console.log('\nby file or package:\n' + top(byFile, 25));
console.log('\nby function:\n' + top(byFn, 30));
