/**
 * Primary side of a group-wide question: sends `collect` to every connected worker and
 * resolves with the parts that arrived within the timeout. A worker that dies or hangs
 * only leaves its part out; the answer is never late by more than the timeout.
 */
import type { Worker } from 'node:cluster';
import type { CollectOp, PrimaryMessage } from './ipc.js';

interface PendingCollect {
  waiting: Set<number>;
  parts: unknown[];
  finish: () => void;
}

export class GroupCollector {
  private nextId = 1;
  private readonly pending = new Map<number, PendingCollect>();

  constructor(private readonly timeoutMs: number) {}

  /** Resolves with every non-null part received within the timeout. */
  collect(workers: readonly Worker[], op: CollectOp): Promise<unknown[]> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      const waiting = new Set<number>();
      const parts: unknown[] = [];
      const finish = (): void => {
        if (!this.pending.delete(id)) return;
        clearTimeout(timer);
        resolve(parts);
      };
      const timer = setTimeout(finish, this.timeoutMs);
      this.pending.set(id, { waiting, parts, finish });
      const message: PrimaryMessage = { tg: 'collect', id, op };
      for (const worker of workers) {
        if (!worker.isConnected()) continue;
        waiting.add(worker.id);
        worker.send(message, undefined, (err) => {
          if (err) this.workerGone(worker.id);
        });
      }
      if (waiting.size === 0) finish();
    });
  }

  /** A worker's part arrived. */
  received(workerId: number, id: number, part: unknown): void {
    const p = this.pending.get(id);
    if (!p || !p.waiting.delete(workerId)) return;
    if (part !== null && part !== undefined) p.parts.push(part);
    if (p.waiting.size === 0) p.finish();
  }

  /** A worker exited or its channel broke: stop waiting for it. */
  workerGone(workerId: number): void {
    for (const p of [...this.pending.values()]) {
      if (p.waiting.delete(workerId) && p.waiting.size === 0) p.finish();
    }
  }

  /** Answers every pending collect with what it has (shutdown). */
  flush(): void {
    for (const p of [...this.pending.values()]) p.finish();
  }
}
