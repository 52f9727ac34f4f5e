/**
 * Drains that reset nothing: keep-alive clients (Node's http.Agent and an undici Pool)
 * send requests through a SIGTERM, on one process and on a worker group. Every request
 * that reaches an open connection gets a full answer: 200, or 503 `shutting_down` with
 * `Connection: close`. Requests sent 0–20 ms after SIGTERM on connections that were
 * idle are the case that used to be reset. A refused NEW connection (the listening
 * socket is closed) is not a reset. Prints `# faults: resets=N` for the fault suite.
 * Runs the built CLI (`npm run build` first).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { Pool } from 'undici';
import { startPostgres, type PostgresHandle } from '../helpers/postgres-server.js';
import { startRedis, type RedisServerHandle } from '../helpers/redis-server.js';
import { startTollgate, type TollgateProcess } from '../helpers/tollgate-process.js';
import { within } from '../helpers/wait.js';

const IDLE_CONNECTIONS = 40;
const POOL_CONNECTIONS = 16;
const GRACE_SECONDS = 5;

interface Outcome {
  via: 'idle' | 'pool';
  sentAt: number;
  status?: number;
  connection?: string;
  code?: string;
  error?: string;
}

/** A GET on the http.Agent's keep-alive sockets. */
function agentGet(agent: http.Agent, port: number, via: Outcome['via']): Promise<Outcome> {
  const sentAt = Date.now();
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/health/live', agent, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => {
        let code: string | undefined;
        try {
          code = (JSON.parse(body) as { error?: string }).error;
        } catch {
          code = undefined;
        }
        resolve({
          via,
          sentAt,
          status: res.statusCode,
          connection: res.headers.connection,
          code,
        });
      });
      res.on('error', (err: NodeJS.ErrnoException) =>
        resolve({ via, sentAt, error: err.code ?? err.message }),
      );
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ via, sentAt, error: err.code ?? err.message }));
  });
}

/** Refused new connections are fine (nothing was sent); anything else without an answer is a reset. */
const isRefused = (o: Outcome): boolean => o.error === 'ECONNREFUSED';

async function drainUnderKeepAlive(tg: TollgateProcess): Promise<{ outcomes: Outcome[]; exitMs: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: IDLE_CONNECTIONS, scheduling: 'fifo' });
  const pool = new Pool(tg.url, { connections: POOL_CONNECTIONS, pipelining: 1 });
  const outcomes: Outcome[] = [];
  try {
    // Open the idle connections: as many concurrent requests as sockets, then leave them.
    const warm = await Promise.all(
      Array.from({ length: IDLE_CONNECTIONS }, () => agentGet(agent, tg.port, 'idle')),
    );
    assert.ok(
      warm.every((o) => o.status === 200),
      'warm-up answered',
    );
    const idleSockets = Object.values(agent.freeSockets).flat().length;
    assert.ok(idleSockets >= IDLE_CONNECTIONS / 2, `idle keep-alive sockets open (${idleSockets})`);

    // Steady keep-alive traffic with pauses, so the pool's connections go idle and busy.
    let running = true;
    const lanes = Array.from({ length: POOL_CONNECTIONS }, async (_, lane) => {
      while (running) {
        const sentAt = Date.now();
        try {
          const res = await pool.request({ path: '/health/live', method: 'GET', headersTimeout: 10_000 });
          const body = (await res.body.json()) as { error?: string };
          const connection = res.headers.connection;
          outcomes.push({
            via: 'pool',
            sentAt,
            status: res.statusCode,
            connection: Array.isArray(connection) ? connection.join(',') : connection,
            code: body.error,
          });
        } catch (err) {
          const e = err as { code?: string; cause?: { code?: string }; message: string };
          outcomes.push({ via: 'pool', sentAt, error: e.cause?.code ?? e.code ?? e.message });
          if (!running) break;
        }
        await delay(lane % 4 === 0 ? 40 : (lane * 3) % 17);
      }
    });
    await delay(300);

    const termAt = Date.now();
    process.kill(tg.pid, 'SIGTERM');
    // The case that used to be reset: idle connections used 0–20 ms after SIGTERM.
    const late = Array.from({ length: IDLE_CONNECTIONS }, (_, i) =>
      delay((i * 20) / IDLE_CONNECTIONS).then(() => agentGet(agent, tg.port, 'idle')),
    );
    outcomes.push(...(await Promise.all(late)));
    await within(tg.exited, (GRACE_SECONDS + 5) * 1000, 'exit after SIGTERM');
    const exitMs = Date.now() - termAt;
    running = false;
    await within(Promise.all(lanes), 15_000, 'traffic stop');
    return { outcomes, exitMs };
  } finally {
    agent.destroy();
    await pool.destroy();
  }
}

function judge(what: string, outcomes: Outcome[], exitMs: number): void {
  const answered = outcomes.filter((o) => o.status !== undefined);
  const refused = outcomes.filter(isRefused);
  const resets = outcomes.filter((o) => o.status === undefined && !isRefused(o));
  const shed = answered.filter((o) => o.status === 503);
  const idleAnswered = answered.filter((o) => o.via === 'idle');
  console.log(
    `# ${what}: exit after ${exitMs} ms; ${outcomes.length} requests, ${answered.length} answered ` +
      `(${answered.length - shed.length} × 200, ${shed.length} × 503), ${refused.length} new connections refused, ` +
      `${idleAnswered.length}/${IDLE_CONNECTIONS} late requests on idle connections answered`,
  );
  console.log(`# faults: drain ${what} resets=${resets.length}`);
  assert.deepEqual(
    resets.map((o) => `${o.via} +${o.error}`),
    [],
    'no request on an open connection was reset',
  );
  for (const o of answered) {
    assert.ok([200, 503].includes(o.status!), `a full answer (${o.status})`);
    if (o.status === 503) {
      assert.equal(o.code, 'shutting_down');
      assert.equal(o.connection, 'close', '503 while draining closes the connection');
    }
  }
  assert.ok(shed.length > 0, 'some requests arrived during the drain and were answered 503');
  assert.ok(
    idleAnswered.length >= IDLE_CONNECTIONS / 2,
    'late requests on idle connections were answered, not cut',
  );
}

describe('drain with keep-alive clients', { timeout: 120_000 }, () => {
  let redis: RedisServerHandle;
  let pg: PostgresHandle;

  before(async () => {
    [redis, pg] = await Promise.all([startRedis(), startPostgres()]);
  });
  after(async () => {
    await redis?.stop();
    await pg?.stop();
  });

  test('one process: every request on an open connection is answered, none reset', async () => {
    const tg = await startTollgate({
      env: {
        WORKERS: '1',
        REDIS_URL: redis.url,
        DATABASE_URL: await pg.createDatabase('drain_one'),
        SHUTDOWN_GRACE_SECONDS: String(GRACE_SECONDS),
      },
      readyTimeoutMs: 60_000,
    });
    try {
      const { outcomes, exitMs } = await drainUnderKeepAlive(tg);
      assert.deepEqual(tg.exitStatus(), { code: 0, signal: null });
      judge('one process', outcomes, exitMs);
    } finally {
      await tg.stop();
    }
  });

  test('two workers: every request on an open connection is answered, none reset', async () => {
    const tg = await startTollgate({
      env: {
        WORKERS: '2',
        REDIS_URL: redis.url,
        DATABASE_URL: await pg.createDatabase('drain_two'),
        SHUTDOWN_GRACE_SECONDS: String(GRACE_SECONDS),
        // A longer start-up bound (2 × this + 10 s) for a shared, loaded test machine.
        REDIS_CONNECT_TIMEOUT_MS: '30000',
      },
      expectWorkers: 2,
      readyTimeoutMs: 60_000,
    });
    try {
      const { outcomes, exitMs } = await drainUnderKeepAlive(tg);
      assert.deepEqual(tg.exitStatus(), { code: 0, signal: null });
      judge('two workers', outcomes, exitMs);
    } finally {
      await tg.stop();
    }
  });
});
