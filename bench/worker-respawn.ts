/**
 * Worker respawn time on 4 workers: one SIGKILL, then two at once, with STANDBY_WORKERS
 * 0 (every replacement a cold start: the baseline), 1 (the default) and 2, in
 * alternating rounds on the same machine. The figure is the primary's `restart_ms`
 * (crash to the replacement saying it serves), per replaced slot.
 *
 * Run: `npm run build && flock /tmp/tollgate-bench.lock node --import tsx bench/worker-respawn.ts`
 * (env: ROUNDS=2). Writes bench/results/worker-respawn-<date>.{json,md}.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { startPostgres } from '../test/helpers/postgres-server.js';
import { startRedis } from '../test/helpers/redis-server.js';
import { crashWorkers, sparesParked } from '../test/helpers/respawn.js';
import { startTollgate } from '../test/helpers/tollgate-process.js';
import { waitFor } from '../test/helpers/wait.js';

const ROOT = resolve(import.meta.dirname, '..');
const ROUNDS = Number(process.env.ROUNDS ?? 2);
const WORKERS = 4;
const MODES = [0, 1, 2] as const;

interface Sample {
  standby: number;
  round: number;
  one: number[];
  two: number[];
  loadBefore: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! : NaN;
};

async function measure(standby: number, round: number, redisUrl: string, dbUrl: string): Promise<Sample> {
  const tg = await startTollgate({
    env: {
      WORKERS: String(WORKERS),
      STANDBY_WORKERS: String(standby),
      REDIS_URL: redisUrl,
      DATABASE_URL: dbUrl,
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      REDIS_CONNECT_TIMEOUT_MS: '60000',
    },
    expectWorkers: WORKERS,
    readyTimeoutMs: 240_000,
  });
  try {
    await waitFor(() => sparesParked(tg) >= standby, { timeoutMs: 120_000, what: 'spares standing by' });
    const loadBefore = loadavg()[0]!;
    const one = await crashWorkers(tg, WORKERS, 1, 120_000);
    await waitFor(() => sparesParked(tg) >= (standby > 0 ? standby + 1 : 0), {
      timeoutMs: 120_000,
      what: 'spares standing by again',
    });
    const two = await crashWorkers(tg, WORKERS, 2, 120_000);
    const sample = {
      standby,
      round,
      one: one.restartMs,
      two: two.restartMs.sort((a, b) => a - b),
      loadBefore,
    };
    console.log(JSON.stringify(sample));
    return sample;
  } finally {
    await tg.stop();
  }
}

const [redis, pg] = await Promise.all([startRedis(), startPostgres()]);
const samples: Sample[] = [];
try {
  for (let round = 0; round < ROUNDS; round++) {
    const order = MODES.map((_, i) => MODES[(i + round) % MODES.length]!);
    for (const standby of order) {
      samples.push(
        await measure(standby, round, redis.url, await pg.createDatabase(`r${round}_s${standby}`)),
      );
    }
  }
} finally {
  await redis.stop();
  await pg.stop();
}

const date = new Date().toISOString().slice(0, 10);
const lines = [
  `# Worker respawn on ${WORKERS} workers (${date})`,
  '',
  `${cpus().length} cores, shared; 1-minute load average before the crashes: ${samples.map((s) => s.loadBefore.toFixed(1)).join(', ')}.`,
  "Figures: crash to serving again (the primary's `restart_ms`), ms, every round; median in bold.",
  '',
  '| STANDBY_WORKERS | one crash | two at once: first slot | two at once: second slot |',
  '| --------------- | --------- | ----------------------- | ------------------------ |',
  ...MODES.map((m) => {
    const of = samples.filter((s) => s.standby === m);
    const col = (xs: number[]): string => `**${median(xs)}** (${xs.join(', ')})`;
    return `| ${m} | ${col(of.flatMap((s) => s.one))} | ${col(of.map((s) => s.two[0]!))} | ${col(of.map((s) => s.two[1]!))} |`;
  }),
  '',
  'Command: `npm run build && flock /tmp/tollgate-bench.lock node --import tsx bench/worker-respawn.ts`',
];
mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
writeFileSync(
  join(ROOT, `bench/results/worker-respawn-${date}.json`),
  JSON.stringify(samples, null, 2) + '\n',
);
writeFileSync(join(ROOT, `bench/results/worker-respawn-${date}.md`), lines.join('\n') + '\n');
console.log(lines.join('\n'));
