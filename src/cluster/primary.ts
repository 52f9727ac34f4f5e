/**
 * The cluster primary: forks one worker per slot, hands each the validated config,
 * restarts crashed workers with backoff (giving up on a slot that crashes in a loop),
 * answers group-wide questions (metrics, pool stats) by asking every worker, and on
 * SIGTERM/SIGINT drains the group within the grace period.
 *
 * Exit codes: 0 after a drain; 1 when a worker cannot start the first time (bad
 * config, wrong Redis password, port in use) or when every slot has been given up.
 */
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import type { WorkerPoolStats } from '../group/bridge.js';
import { aggregateGroupMetrics, createClusterMetrics, type ClusterMetrics } from './cluster-metrics.js';
import { GroupCollector } from './group-collector.js';
import {
  COLLECT_TIMEOUT_MS,
  isWorkerMessage,
  type CollectOp,
  type GroupAnswer,
  type PrimaryMessage,
} from './ipc.js';
import type { RespawnPolicyOptions } from './respawn.js';
import { WorkerSlot } from './slot.js';
import type { Config } from '../config/schema.js';

/** Extra time after the grace period before stragglers are killed. */
export const DRAIN_MARGIN_MS = 3000;

export interface PrimaryOptions {
  logger: Logger;
  respawn?: RespawnPolicyOptions;
  /** How long a worker may take to become ready. */
  startupTimeoutMs?: number;
}

type State = 'starting' | 'running' | 'draining';

export class ClusterPrimary {
  private readonly logger: Logger;
  private readonly slots: WorkerSlot[];
  private readonly collector = new GroupCollector(COLLECT_TIMEOUT_MS);
  private readonly metrics: ClusterMetrics;
  private readonly startupTimeoutMs: number;
  private state: State = 'starting';
  private exitCode = 0;
  private drainTimer: NodeJS.Timeout | undefined;
  private listeningUrl: string | undefined;

  constructor(
    private readonly config: Config,
    options: PrimaryOptions,
  ) {
    this.logger = options.logger;
    this.metrics = createClusterMetrics(config.workers);
    this.startupTimeoutMs =
      options.startupTimeoutMs ?? Math.max(30_000, 2 * config.redis.connectTimeoutMs + 10_000);
    this.slots = Array.from({ length: config.workers }, (_, index) => new WorkerSlot(index, options.respawn));
  }

  start(): void {
    cluster.setupPrimary({ serialization: 'advanced' });
    process.on('SIGTERM', () => this.drain('SIGTERM', 0));
    process.on('SIGINT', () => this.drain('SIGINT', 0));
    for (const slot of this.slots) this.fork(slot);
  }

  private liveWorkers(): Worker[] {
    return this.slots.flatMap((s) => (s.worker ? [s.worker] : []));
  }

  private fork(slot: WorkerSlot): void {
    // The worker's libuv thread pool, sized before it starts (src/config/sections/security.ts).
    const worker = cluster.fork({ UV_THREADPOOL_SIZE: String(this.config.passwordHashing.threadPoolSize) });
    slot.worker = worker;
    this.metrics.live.set(this.liveWorkers().length);
    this.logger.debug(
      { slot: slot.index, worker: worker.id, worker_pid: worker.process.pid },
      'worker forked',
    );

    slot.armStartupTimer(this.startupTimeoutMs, () => {
      slot.startupError = `not ready within ${this.startupTimeoutMs} ms`;
      this.logger.error(
        { slot: slot.index, worker: worker.id, worker_pid: worker.process.pid },
        `worker ${slot.startupError}: killing it`,
      );
      worker.process.kill('SIGKILL');
    });

    worker.on('message', (msg: unknown) => this.onMessage(slot, worker, msg));
    worker.on('error', (err: Error) => {
      this.logger.warn({ worker: worker.id, err: { message: err.message } }, 'worker channel error');
    });
    worker.once('exit', (code: number | null, signal: NodeJS.Signals | null) =>
      this.onExit(slot, worker, code, signal),
    );
  }

  private send(worker: Worker, message: PrimaryMessage): void {
    if (!worker.isConnected()) return;
    worker.send(message, undefined, (err) => {
      if (err)
        this.logger.debug({ worker: worker.id, err: { message: err.message } }, 'could not message worker');
    });
  }

  private onMessage(slot: WorkerSlot, worker: Worker, msg: unknown): void {
    if (!isWorkerMessage(msg)) return;
    switch (msg.tg) {
      case 'hello':
        this.send(worker, { tg: 'config', config: this.config, slot: slot.index });
        // A drain sent before the worker listened may have been missed: repeat it.
        if (this.state === 'draining') this.send(worker, { tg: 'drain' });
        break;
      case 'ready':
        this.onReady(slot, worker, msg.url);
        break;
      case 'startup-failed':
        slot.startupError = msg.message;
        this.logger.error(
          { slot: slot.index, worker: worker.id, worker_pid: worker.process.pid, error: msg.message },
          'worker failed to start',
        );
        break;
      case 'group-ask':
        void this.answer(msg.op).then((answer) =>
          this.send(worker, { tg: 'group-answer', id: msg.id, answer }),
        );
        break;
      case 'collected':
        this.collector.received(worker.id, msg.id, msg.data);
        break;
    }
  }

  private onReady(slot: WorkerSlot, worker: Worker, url: string): void {
    slot.clearStartupTimer();
    slot.startupError = undefined;
    slot.everReady = true;
    const info = { slot: slot.index, worker: worker.id, worker_pid: worker.process.pid };
    if (slot.crashedAt !== undefined) {
      this.logger.info({ ...info, restart_ms: Date.now() - slot.crashedAt }, 'worker replaced and serving');
      slot.crashedAt = undefined;
    } else {
      this.logger.debug(info, 'worker ready');
    }
    if (this.state === 'draining') {
      this.send(worker, { tg: 'drain' });
      return;
    }
    if (this.state === 'starting' && this.slots.every((s) => s.everReady)) {
      this.state = 'running';
      this.listeningUrl = url;
      this.logger.info(
        { url, worker_pids: this.liveWorkers().map((w) => w.process.pid) },
        `tollgate listening on ${url} with ${this.config.workers} workers`,
      );
    }
  }

  private async answer(op: CollectOp): Promise<GroupAnswer | null> {
    try {
      const parts = await this.collector.collect(this.liveWorkers(), op);
      if (op === 'metrics') return { op, ...(await aggregateGroupMetrics(this.metrics, parts)) };
      const stats = (parts as WorkerPoolStats[]).sort((a, b) => a.worker - b.worker);
      return { op, stats };
    } catch (err) {
      this.logger.warn({ op, err: { message: (err as Error).message } }, 'could not build the group answer');
      return null;
    }
  }

  private onExit(slot: WorkerSlot, worker: Worker, code: number | null, signal: NodeJS.Signals | null): void {
    slot.clearStartupTimer();
    if (slot.worker === worker) slot.worker = undefined;
    this.collector.workerGone(worker.id);
    this.metrics.live.set(this.liveWorkers().length);
    const info = { slot: slot.index, worker: worker.id, worker_pid: worker.process.pid, code, signal };

    if (this.state === 'draining') {
      this.logger.info(info, 'worker stopped');
      if (this.liveWorkers().length === 0) this.finish();
      return;
    }

    if (!slot.everReady) {
      // The first start of a slot failed: a configuration or environment problem that
      // a restart will not fix. Stop the whole group with a clear message.
      const reason =
        slot.startupError ?? `worker exited with ${signal ?? `code ${code}`} before it was ready`;
      this.logger.fatal({ ...info, error: reason }, `a worker could not start: ${reason}. Stopping tollgate`);
      this.drain('startup-failure', 1);
      return;
    }

    this.metrics.crashes.inc();
    const decision = slot.crashed(Date.now());
    if (decision.action === 'respawn') {
      this.logger.error(
        {
          ...info,
          restart_in_ms: decision.delayMs,
          recent_crashes: decision.recentCrashes,
          error: slot.startupError,
        },
        'worker exited unexpectedly: restarting it',
      );
      slot.scheduleRespawn(decision.delayMs, () => {
        if (this.state === 'draining') return;
        this.metrics.restarts.inc();
        this.fork(slot);
      });
      return;
    }

    this.metrics.slotsGivenUp.set(this.slots.filter((s) => s.givenUp).length);
    this.logger.error(
      { ...info, recent_crashes: decision.recentCrashes, error: slot.startupError },
      `worker slot ${slot.index} crashed ${decision.recentCrashes} times within the crash window: no longer restarting it`,
    );
    const alive = this.slots.filter((s) => !s.givenUp);
    if (alive.length === 0) {
      this.logger.fatal('every worker crashed in a loop and none can be restarted: stopping tollgate');
      this.exitCode = 1;
      this.finish();
    } else {
      this.logger.warn({ remaining_slots: alive.length }, 'serving with fewer workers than configured');
    }
  }

  /** Tells every worker to drain; bounded by the grace period plus a margin. */
  drain(reason: string, exitCode: number): void {
    if (this.state === 'draining') {
      this.logger.info({ reason }, 'already draining');
      return;
    }
    this.state = 'draining';
    this.exitCode = Math.max(this.exitCode, exitCode);
    for (const slot of this.slots) slot.cancelTimers();
    const live = this.liveWorkers();
    this.logger.info(
      { reason, workers: live.length, grace_ms: this.config.shutdownGraceMs, url: this.listeningUrl },
      'draining: workers stop accepting and finish in-flight requests',
    );
    if (live.length === 0) {
      this.finish();
      return;
    }
    for (const worker of live) this.send(worker, { tg: 'drain' });
    this.drainTimer = setTimeout(() => {
      const stragglers = this.liveWorkers();
      this.logger.warn(
        { pids: stragglers.map((w) => w.process.pid) },
        'workers did not stop within the grace period: killing them',
      );
      for (const w of stragglers) w.process.kill('SIGKILL');
      this.finish();
    }, this.config.shutdownGraceMs + DRAIN_MARGIN_MS);
  }

  private finish(): void {
    clearTimeout(this.drainTimer);
    this.collector.flush();
    for (const slot of this.slots) slot.cancelTimers();
    if (this.exitCode === 0) this.logger.info('stopped');
    else this.logger.error({ exit_code: this.exitCode }, 'stopped with an error');
    process.exit(this.exitCode);
  }
}
