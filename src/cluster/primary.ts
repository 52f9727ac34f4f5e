/**
 * The cluster primary: forks one worker per slot, hands each the validated config,
 * restarts crashed workers with backoff (giving up on a slot that crashes in a loop),
 * keeps STANDBY_WORKERS spares composed (stores connected, not listening) so that a
 * crashed worker's slot is taken by a spare that only has to listen,
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
  SPARE_SLOT,
  isWorkerMessage,
  type CollectOp,
  type GroupAnswer,
  type PrimaryMessage,
} from './ipc.js';
import { RespawnPolicy, type RespawnPolicyOptions } from './respawn.js';
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
  /** Which slot each serving worker fills (spares have none until they take one). */
  private readonly slotOf = new Map<Worker, WorkerSlot>();
  /** Spares: forked, and `parked` once told to stand by. */
  private readonly spares = new Map<Worker, { parked: boolean; timer: NodeJS.Timeout | undefined }>();
  private readonly spareRespawn: RespawnPolicy;
  private spareTimer: NodeJS.Timeout | undefined;
  private sparesGivenUp = false;

  constructor(
    private readonly config: Config,
    options: PrimaryOptions,
  ) {
    this.logger = options.logger;
    this.metrics = createClusterMetrics(config.workers);
    this.startupTimeoutMs =
      options.startupTimeoutMs ?? Math.max(30_000, 2 * config.redis.connectTimeoutMs + 10_000);
    this.slots = Array.from({ length: config.workers }, (_, index) => new WorkerSlot(index, options.respawn));
    this.spareRespawn = new RespawnPolicy(options.respawn);
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

  /** A new worker process with the primary's listeners; what it is for is decided on `hello`. */
  private spawn(): Worker {
    // The worker's libuv thread pool, sized before it starts (src/config/sections/security.ts).
    const worker = cluster.fork({ UV_THREADPOOL_SIZE: String(this.config.passwordHashing.threadPoolSize) });
    worker.on('message', (msg: unknown) => this.onMessage(worker, msg));
    worker.on('error', (err: Error) => {
      this.logger.warn({ worker: worker.id, err: { message: err.message } }, 'worker channel error');
    });
    worker.once('exit', (code: number | null, signal: NodeJS.Signals | null) => {
      const slot = this.slotOf.get(worker);
      this.slotOf.delete(worker);
      if (slot) this.onExit(slot, worker, code, signal);
      else this.onSpareExit(worker, code, signal);
    });
    return worker;
  }

  private fork(slot: WorkerSlot): void {
    this.assign(slot, this.spawn());
  }

  /** Puts `worker` in `slot`, bounded by the start-up timeout. */
  private assign(slot: WorkerSlot, worker: Worker): void {
    slot.worker = worker;
    this.slotOf.set(worker, slot);
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
  }

  /** A parked spare, if any. */
  private parkedSpare(): Worker | undefined {
    for (const [worker, spare] of this.spares) if (spare.parked) return worker;
    return undefined;
  }

  /**
   * Forks spares up to STANDBY_WORKERS, once every slot serves (a spare loading its
   * modules would slow down the workers that are starting).
   */
  private topUpSpares(): void {
    if (this.state !== 'running' || this.sparesGivenUp || this.spareTimer) return;
    if (!this.slots.every((s) => s.givenUp || s.serving)) return;
    while (this.spares.size < this.config.standbyWorkers) {
      const worker = this.spawn();
      const timer = setTimeout(() => {
        this.logger.warn({ worker_pid: worker.process.pid }, 'spare worker not ready in time: killing it');
        worker.process.kill('SIGKILL');
      }, this.startupTimeoutMs);
      this.spares.set(worker, { parked: false, timer });
    }
  }

  private onSpareExit(worker: Worker, code: number | null, signal: NodeJS.Signals | null): void {
    const spare = this.spares.get(worker);
    clearTimeout(spare?.timer);
    this.spares.delete(worker);
    if (this.state === 'draining') {
      if (this.liveWorkers().length === 0 && this.spares.size === 0) this.finish();
      return;
    }
    const decision = this.spareRespawn.onCrash(Date.now());
    const info = { worker: worker.id, worker_pid: worker.process.pid, code, signal };
    if (decision.action === 'give-up') {
      this.sparesGivenUp = true;
      this.logger.error(
        { ...info, recent_crashes: decision.recentCrashes },
        'spare workers crash in a loop: no longer keeping one',
      );
      return;
    }
    this.logger.warn({ ...info, restart_in_ms: decision.delayMs }, 'spare worker exited: replacing it');
    this.spareTimer = setTimeout(() => {
      this.spareTimer = undefined;
      this.topUpSpares();
    }, decision.delayMs);
  }

  private send(worker: Worker, message: PrimaryMessage): void {
    if (!worker.isConnected()) return;
    worker.send(message, undefined, (err) => {
      if (err)
        this.logger.debug({ worker: worker.id, err: { message: err.message } }, 'could not message worker');
    });
  }

  private onMessage(worker: Worker, msg: unknown): void {
    if (!isWorkerMessage(msg)) return;
    const slot = this.slotOf.get(worker);
    if (!slot) {
      // A spare: composes without listening, then waits until a slot needs it.
      const spare = this.spares.get(worker);
      if (!spare) return;
      if (msg.tg === 'hello') {
        this.send(worker, { tg: 'config', config: this.config, slot: SPARE_SLOT });
        if (this.state === 'draining') this.send(worker, { tg: 'drain' });
      } else if (msg.tg === 'standing-by') {
        clearTimeout(spare.timer);
        spare.parked = true;
        this.logger.info({ worker_pid: worker.process.pid }, 'spare worker ready and standing by');
      } else if (msg.tg === 'startup-failed') {
        this.logger.warn(
          { worker_pid: worker.process.pid, error: msg.message },
          'a spare worker could not start',
        );
      }
      return;
    }
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
    slot.serving = true;
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
    this.topUpSpares();
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
    slot.serving = false;
    if (slot.worker === worker) slot.worker = undefined;
    this.collector.workerGone(worker.id);
    this.metrics.live.set(this.liveWorkers().length);
    const info = { slot: slot.index, worker: worker.id, worker_pid: worker.process.pid, code, signal };

    if (this.state === 'draining') {
      this.logger.info(info, 'worker stopped');
      if (this.liveWorkers().length === 0 && this.spares.size === 0) this.finish();
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
        const spare = this.parkedSpare();
        if (!spare) {
          this.fork(slot);
          return;
        }
        // The spare is composed and connected: it only has to listen.
        clearTimeout(this.spares.get(spare)?.timer);
        this.spares.delete(spare);
        this.assign(slot, spare);
        this.send(spare, { tg: 'take', slot: slot.index });
        this.logger.info(
          { slot: slot.index, worker_pid: spare.process.pid },
          'a spare worker takes the slot',
        );
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
    clearTimeout(this.spareTimer);
    // Spares serve nothing: a ready one closes its stores and exits; one still starting
    // has nothing to finish and is not waited for.
    for (const [worker, spare] of this.spares) {
      clearTimeout(spare.timer);
      if (spare.parked) this.send(worker, { tg: 'drain' });
      else worker.process.kill('SIGKILL');
    }
    const live = this.liveWorkers();
    this.logger.info(
      { reason, workers: live.length, grace_ms: this.config.shutdownGraceMs, url: this.listeningUrl },
      'draining: workers stop accepting and finish in-flight requests',
    );
    if (live.length === 0 && this.spares.size === 0) {
      this.finish();
      return;
    }
    for (const worker of live) this.send(worker, { tg: 'drain' });
    this.drainTimer = setTimeout(() => {
      const stragglers = [...this.liveWorkers(), ...this.spares.keys()];
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
