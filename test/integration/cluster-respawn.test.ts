/**
 * Worker respawn, measured and bounded: on 4 workers, one and then two simultaneous
 * SIGKILLs; each slot must serve again within a generous bound, taken by a spare
 * (STANDBY_WORKERS=2 here, so that both of two crashes find one). The figures
 * for docs/operations.md come from bench/worker-respawn.ts (this test only bounds them).
 * Runs the built CLI (`npm run build` first).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startPostgres, type PostgresHandle } from '../helpers/postgres-server.js';
import { startRedis, type RedisServerHandle } from '../helpers/redis-server.js';
import { crashWorkers, sparesParked } from '../helpers/respawn.js';
import { startTollgate, type TollgateProcess } from '../helpers/tollgate-process.js';
import { waitFor } from '../helpers/wait.js';

const WORKERS = 4;
/** A bound for a loaded shared machine, not a target (the figures are in docs/operations.md). */
const BOUND_MS = 20_000;

let redis: RedisServerHandle;
let pg: PostgresHandle;
let tg: TollgateProcess;

before(async () => {
  [redis, pg] = await Promise.all([startRedis(), startPostgres()]);
  tg = await startTollgate({
    env: {
      WORKERS: String(WORKERS),
      // Two spares, so that both of two simultaneous crashes are covered (the default is 1).
      STANDBY_WORKERS: '2',
      REDIS_URL: redis.url,
      DATABASE_URL: pg.url,
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      // A longer start-up bound (2 × this + 10 s) for a shared, loaded test machine.
      REDIS_CONNECT_TIMEOUT_MS: '30000',
    },
    expectWorkers: WORKERS,
    readyTimeoutMs: 120_000,
  });
});

after(async () => {
  await tg?.stop();
  await redis?.stop();
  await pg?.stop();
});

test(
  'one and two simultaneous worker crashes on 4 workers: every slot serves again, within the bound',
  { timeout: 180_000 },
  async () => {
    await waitFor(() => sparesParked(tg) >= 2, { timeoutMs: 120_000, what: 'two spares standing by' });
    const one = await crashWorkers(tg, WORKERS, 1, BOUND_MS);
    assert.equal(tg.stdout().match(/a spare worker takes the slot/g)?.length, 1);
    await waitFor(() => sparesParked(tg) >= 3, { timeoutMs: 120_000, what: 'a new spare standing by' });
    const two = await crashWorkers(tg, WORKERS, 2, BOUND_MS * 2);
    console.log(
      `# respawn on ${WORKERS} workers: one crash ${one.restartMs.join(', ')} ms (group whole after ${one.fullGroupMs} ms); ` +
        `two at once ${two.restartMs.join(', ')} ms (group whole after ${two.fullGroupMs} ms)`,
    );
    console.log(`# faults: respawn one=${Math.max(...one.restartMs)}ms two=${Math.max(...two.restartMs)}ms`);
    assert.equal(one.restartMs.length, 1);
    assert.equal(two.restartMs.length, 2);
    assert.equal(
      tg.stdout().match(/a spare worker takes the slot/g)?.length,
      3,
      'every crashed slot taken by a spare',
    );
    for (const ms of [...one.restartMs, ...two.restartMs])
      assert.ok(ms < BOUND_MS, `served again in ${ms} ms`);
    assert.doesNotMatch(tg.stdout(), /no longer restarting it/);
  },
);
