/**
 * Worker crashes on a running group, timed: SIGKILL one or several workers at once and
 * wait until the primary reports each slot served again (its `worker replaced and
 * serving` log line carries `restart_ms`, crash to ready) and /health/redis lists a
 * full group of new pids. Used by test/integration/cluster-respawn.test.ts and
 * bench/worker-respawn.ts. The group must log at info in JSON (LOG_LEVEL=info,
 * LOG_FORMAT=json).
 */
import { call } from './http.js';
import type { TollgateProcess } from './tollgate-process.js';
import { waitFor } from './wait.js';

interface PoolView {
  pool: { workers: number; per_worker: Array<{ pid: number }> };
}

export async function servingPids(url: string): Promise<number[]> {
  const r = await call(url, 'GET', '/health/redis', { fresh: true, timeoutMs: 2000 });
  return (r.body as unknown as PoolView).pool.per_worker.map((w) => w.pid);
}

function logLines(tg: TollgateProcess): Array<Record<string, unknown>> {
  return tg
    .stdout()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        return {};
      }
    });
}

/** How many spares have said they stand by, so far. */
export function sparesParked(tg: TollgateProcess): number {
  return logLines(tg).filter((l) => l.msg === 'spare worker ready and standing by').length;
}

export interface CrashTiming {
  killed: number;
  /** Crash to ready, per replaced slot, as the primary measured it. */
  restartMs: number[];
  /** SIGKILL until /health/redis lists `workers` pids, none of them a killed one. */
  fullGroupMs: number;
}

/** SIGKILLs `count` serving workers at once; resolves when the group is whole again. */
export async function crashWorkers(
  tg: TollgateProcess,
  workers: number,
  count: number,
  timeoutMs: number,
): Promise<CrashTiming> {
  const pids = await servingPids(tg.url);
  if (pids.length !== workers) throw new Error(`expected ${workers} serving workers, got ${pids.length}`);
  const victims = pids.slice(0, count);
  const before = logLines(tg).length;
  const killedAt = Date.now();
  for (const pid of victims) process.kill(pid, 'SIGKILL');
  const replaced = (): Array<Record<string, unknown>> =>
    logLines(tg)
      .slice(before)
      .filter((l) => l.msg === 'worker replaced and serving');
  await waitFor(
    async () => {
      if (replaced().length < count) return false;
      const now = await servingPids(tg.url).catch(() => []);
      return now.length === workers && !now.some((p) => victims.includes(p));
    },
    { timeoutMs, intervalMs: 25, what: `${count} replaced workers` },
  );
  return {
    killed: count,
    restartMs: replaced().map((l) => Number(l.restart_ms)),
    fullGroupMs: Date.now() - killedAt,
  };
}
