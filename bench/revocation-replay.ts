/**
 * How long tollgate takes to replay its revocation log into Redis (what verifies wait
 * for after Redis restarts or fails over, docs/sessions.md): ROWS recorded ends (9 of
 * 10 single sessions, 1 of 10 all sessions of a user) in a real PostgreSQL, replayed
 * into a real redis-server through the pool, REPEAT times; the median is reported.
 *
 * Run: `flock /tmp/tollgate-bench.lock node --import tsx bench/revocation-replay.ts`
 * (env: ROWS=10000,50000 REPEAT=3). Prints a Markdown table.
 */
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { openPostgres } from '../src/persistence/directory/postgres.js';
import { migrate } from '../src/persistence/directory/migrate.js';
import { SqlRevocationLog } from '../src/persistence/directory/revocation-log.js';
import { loadConfig } from '../src/config/load.js';
import { createPool } from '../src/redis/index.js';
import { RedisStore } from '../src/store/redis/redis-store.js';
import { replayRevocations } from '../src/store/revocations.js';
import { postgresDatabase } from '../test/helpers/postgres-server.js';
import { startRedis } from '../test/helpers/redis-server.js';

const SIZES = (process.env.ROWS ?? '10000,50000').split(',').map(Number);
const REPEAT = Number(process.env.REPEAT ?? 3);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const redis = await startRedis();
const db = openPostgres({
  url: await postgresDatabase(),
  poolSize: 4,
  connectTimeoutMs: 5000,
  statementTimeoutMs: 60_000,
});
const config = loadConfig({ REDIS_URL: redis.url, LOG_LEVEL: 'silent' }, { skipEnvFiles: true });
const pool = createPool(config.redis, { name: 'bench' });
try {
  await migrate(db);
  await pool.connect();
  const log = new SqlRevocationLog(db);
  const store = new RedisStore(pool, undefined, 86_400);
  const rows: string[] = [];
  let recorded = 0;
  for (const size of SIZES) {
    for (; recorded < size; recorded++) {
      const uid = randomUUID();
      const all = recorded % 10 === 0;
      await log.record(
        {
          id: all ? randomUUID() : randomUUID(),
          userId: uid,
          sessionId: all ? null : randomUUID(),
          keepSessionId: null,
        },
        86_400,
      );
    }
    const times: number[] = [];
    for (let i = 0; i < REPEAT; i++) {
      const t0 = performance.now();
      const applied = await replayRevocations(store, log);
      times.push(performance.now() - t0);
      if (applied !== size) throw new Error(`replayed ${applied} of ${size}`);
    }
    const ms = median(times);
    rows.push(
      `| ${size.toLocaleString('en-US')} | ${(ms / 1000).toFixed(2)} | ${Math.round(size / (ms / 1000)).toLocaleString('en-US')} |`,
    );
  }
  console.log(
    [
      `Measured ${new Date().toISOString().slice(0, 10)} with \`node --import tsx bench/revocation-replay.ts\` (REPEAT=${REPEAT}, median); ${cpus().length} cores, shared; PostgreSQL and redis-server on loopback; pool of ${config.redis.poolSize}.`,
      '',
      '| recorded ends (unexpired) | replay s | ends / s |',
      '|---|---|---|',
      ...rows,
    ].join('\n'),
  );
} finally {
  await pool.close();
  await db.close();
  await redis.stop();
}
