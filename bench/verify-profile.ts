/**
 * Where one worker's time and memory go on the verify path: tollgate with WORKERS=1
 * under `--cpu-prof --trace-gc-nvp`, wrk sending `GET /api/protected` for SECONDS after
 * a warm-up (tollgate on CPU 0, wrk and Redis on CPU 1). Reports the top 10 self-time
 * entries of the CPU profile as percentages, the garbage collector's share, and the
 * bytes allocated per verify (the `allocated=` of every GC during the measured window,
 * divided by the requests answered in it).
 *
 * With BEFORE_CLI=<another build's dist/src/cli.js> it profiles that build too, in
 * alternating order (ROUNDS rounds each, the profile of the last round is shown).
 *
 * Run: `npm run build && flock /tmp/tollgate-bench.lock node --import tsx bench/verify-profile.ts`
 * (env: SECONDS=10 CONNECTIONS=100 ROUNDS=1 BEFORE_CLI=...). Writes bench/results/verify-profile-<date>.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { join, resolve } from 'node:path';
import { login, register } from '../test/helpers/http.js';
import { patiently } from './patiently.js';
import { runWrk, writeTokensScript, type WrkSample } from './wrk.js';
import { startRedis } from '../test/helpers/redis-server.js';
import { CLI, inLanes, startTollgate } from '../test/helpers/tollgate-process.js';

const ROOT = resolve(import.meta.dirname, '..');
const SECONDS = Number(process.env.SECONDS ?? 10);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 100);
const ROUNDS = Number(process.env.ROUNDS ?? 1);
const BUILDS: Array<{ name: string; cli: string }> = [
  ...(process.env.BEFORE_CLI ? [{ name: 'before', cli: process.env.BEFORE_CLI }] : []),
  { name: 'after', cli: CLI },
];

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  startTime: number;
  endTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** wrk on CPU 1 at the verify path; every answer must be a 200. */
async function wrk(url: string, script: string, seconds: number): Promise<WrkSample> {
  const sample = await runWrk({ url, script, seconds, connections: CONNECTIONS, cpu: '1' });
  if (sample.non2xx > 0) throw new Error(`${sample.non2xx} non-2xx answers`);
  return sample;
}

/**
 * Self time per function ("name file:line"), as a share of the samples taken in
 * [fromUs, toUs] (profile clock, microseconds): the measured wrk run only, not start-up,
 * account set-up or shutdown.
 */
function topSelf(
  profile: CpuProfile,
  n: number,
  fromUs: number,
  toUs: number,
): { entries: Array<[string, number]>; gc: number } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  let total = 0;
  let t = profile.startTime;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    t += dt;
    if (t < fromUs || t > toUs) return;
    const f = byId.get(id)!.callFrame;
    const file = f.url ? f.url.replace(/^file:\/\//, '').replace(/^.*node_modules\//, '') : '';
    const short = file.replace(`${ROOT}/`, '');
    const key = `${f.functionName || '(anonymous)'}${short ? ` ${short}:${f.lineNumber + 1}` : ''}`;
    self.set(key, (self.get(key) ?? 0) + dt);
    total += dt;
  });
  const entries = [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => [k, (v / total) * 100] as [string, number]);
  return { entries, gc: ((self.get('(garbage collector)') ?? 0) / total) * 100 };
}

async function profileBuild(build: { name: string; cli: string }, dir: string) {
  const redis = await startRedis();
  const profDir = join(dir, `${build.name}-${Date.now()}`);
  mkdirSync(profDir);
  const tg = await startTollgate({
    cli: build.cli,
    nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profDir}`, '--trace-gc-nvp'],
    env: { WORKERS: '1', LOG_LEVEL: 'warn', REDIS_URL: redis.url },
    readyTimeoutMs: 120_000,
  });
  try {
    execFileSync('taskset', ['-a', '-pc', '0', String(tg.pid)], { stdio: 'ignore' });
    if (redis.pid) execFileSync('taskset', ['-a', '-pc', '1', String(redis.pid)], { stdio: 'ignore' });
    const tokens: string[] = [];
    await inLanes(16, 2, async (i) => {
      const email = `profile-${build.name}-${i}@example.test`;
      await patiently(() => register(tg.url, email));
      tokens[i] = (await patiently(() => login(tg.url, email))).access;
    });
    const script = join(dir, 'tokens.lua');
    writeTokensScript(script, tokens);
    const url = `${tg.url}/api/protected`;
    await wrk(url, script, 3);
    const from = tg.stdout().length;
    const runStart = performance.now();
    const run = await wrk(url, script, SECONDS);
    const runEnd = performance.now();
    const gcLines = tg.stdout().slice(from);
    const allocated = [...gcLines.matchAll(/ allocated=(\d+)/g)].reduce((a, m) => a + Number(m[1]), 0);
    const gcPauseMs = [...gcLines.matchAll(/ pause=([\d.]+)/g)].reduce((a, m) => a + Number(m[1]), 0);
    await tg.stop();
    const exited = performance.now();
    const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error(`no CPU profile written by ${build.name}`);
    const profile = JSON.parse(readFileSync(join(profDir, file), 'utf8')) as CpuProfile;
    return {
      build: build.name,
      rps: run.rps,
      requests: run.requests,
      bytesPerVerify: allocated / run.requests,
      gcPauseShare: (gcPauseMs / (SECONDS * 1000)) * 100,
      // The profile ends when the process exits: the run's window, counted back from there.
      ...topSelf(
        profile,
        10,
        profile.endTime - (exited - runStart) * 1000,
        profile.endTime - (exited - runEnd) * 1000,
      ),
    };
  } finally {
    await tg.stop().catch(() => undefined);
    await redis.stop();
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'verify-profile-'));
  const results: Array<Awaited<ReturnType<typeof profileBuild>>> = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? BUILDS : [...BUILDS].reverse();
      for (const b of order) {
        const r = await profileBuild(b, dir);
        console.error(
          `${r.build}: ${r.rps.toFixed(0)} req/s, ${r.bytesPerVerify.toFixed(0)} B/verify, GC ${r.gc.toFixed(1)} %`,
        );
        results.push(r);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const date = new Date().toISOString().slice(0, 10);
  const lines = [
    `Measured ${date} with \`npm run build && flock /tmp/tollgate-bench.lock node --import tsx bench/verify-profile.ts\` (SECONDS=${SECONDS} CONNECTIONS=${CONNECTIONS} ROUNDS=${ROUNDS}${process.env.BEFORE_CLI ? ', BEFORE_CLI = the build before these changes' : ''}); ${cpus().length} cores, shared; tollgate WORKERS=1 on CPU 0 under \`--cpu-prof --trace-gc-nvp\`, wrk and Redis on CPU 1.`,
    '',
    "| build | req/s (profiled) | bytes allocated / verify | GC share of the run's CPU samples | GC pause / wall time |",
    '|---|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${r.build} | ${Math.round(r.rps).toLocaleString('en-US')} | ${Math.round(r.bytesPerVerify).toLocaleString('en-US')} | ${r.gc.toFixed(1)} % | ${r.gcPauseShare.toFixed(1)} % |`,
    ),
  ];
  for (const b of BUILDS) {
    const r = results.filter((x) => x.build === b.name).at(-1)!;
    lines.push(
      '',
      `Top 10 self time during the measured run, ${b.name} (share of all samples in the run, idle included):`,
      '',
      '| # | function (file:line) | self % |',
      '|---|---|---|',
    );
    r.entries.forEach(([name, pct], i) => lines.push(`| ${i + 1} | \`${name}\` | ${pct.toFixed(1)} |`));
  }
  const md = lines.join('\n') + '\n';
  process.stdout.write(md);
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, `bench/results/verify-profile-${date}.md`), md);
}

await main();
