/**
 * A worker's side of the IPC channel to the primary: fetches the group's config,
 * asks group-wide questions (bounded by a timeout, answering `undefined` when the
 * primary is slow or gone), answers the primary's `collect` and relays `drain`.
 */
import type { Config } from '../config/schema.js';
import {
  ASK_TIMEOUT_MS,
  isPrimaryMessage,
  type CollectOp,
  type GroupAnswer,
  type MetricsJson,
  type PrimaryMessage,
  type WorkerMessage,
} from './ipc.js';
import type { WorkerPoolStats } from '../group/bridge.js';

type CollectHandler = (op: CollectOp) => Promise<MetricsJson | WorkerPoolStats | null>;

interface PendingAsk {
  resolve: (answer: GroupAnswer | undefined) => void;
  timer: NodeJS.Timeout;
}

export class PrimaryChannel {
  private nextId = 1;
  private readonly asks = new Map<number, PendingAsk>();
  private onConfig: ((msg: { config: Config; slot: number }) => void) | undefined;
  private collectHandler: CollectHandler | undefined;
  private drainHandler: (() => void) | undefined;
  private takeHandler: ((slot: number) => void) | undefined;
  private takeRequested: number | undefined;
  private drainRequested = false;

  constructor() {
    process.on('message', (msg: unknown) => {
      if (isPrimaryMessage(msg)) this.dispatch(msg);
    });
  }

  private dispatch(msg: PrimaryMessage): void {
    switch (msg.tg) {
      case 'config':
        this.onConfig?.({ config: msg.config, slot: msg.slot });
        break;
      case 'take':
        this.takeRequested = msg.slot;
        this.takeHandler?.(msg.slot);
        break;
      case 'drain':
        this.drainRequested = true;
        this.drainHandler?.();
        break;
      case 'collect': {
        const handler = this.collectHandler;
        const reply = (data: MetricsJson | WorkerPoolStats | null): void =>
          void this.send({ tg: 'collected', id: msg.id, op: msg.op, data });
        if (!handler) reply(null);
        else handler(msg.op).then(reply, () => reply(null));
        break;
      }
      case 'group-answer': {
        const pending = this.asks.get(msg.id);
        if (!pending) return;
        this.asks.delete(msg.id);
        clearTimeout(pending.timer);
        pending.resolve(msg.answer ?? undefined);
        break;
      }
    }
  }

  /** Sends a message; resolves false when the channel is closed or the send failed. */
  send(message: WorkerMessage): Promise<boolean> {
    return new Promise((resolve) => {
      if (!process.send || !process.connected) {
        resolve(false);
        return;
      }
      try {
        process.send(message, undefined, undefined, (err: Error | null) => resolve(!err));
      } catch {
        resolve(false);
      }
    });
  }

  /** Asks the primary for the validated config of the group (bounded). */
  requestConfig(timeoutMs: number): Promise<{ config: Config; slot: number }> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.onConfig = undefined;
        reject(new Error(`the cluster primary did not send the configuration within ${timeoutMs} ms`));
      }, timeoutMs);
      this.onConfig = (msg) => {
        clearTimeout(timer);
        this.onConfig = undefined;
        resolve(msg);
      };
      void this.send({ tg: 'hello' }).then((sent) => {
        if (sent) return;
        clearTimeout(timer);
        this.onConfig = undefined;
        reject(new Error('no IPC channel to the cluster primary'));
      });
    });
  }

  /** A group-wide question; `undefined` when no answer came within the timeout. */
  ask(op: CollectOp, timeoutMs = ASK_TIMEOUT_MS): Promise<GroupAnswer | undefined> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.asks.delete(id);
        resolve(undefined);
      }, timeoutMs);
      this.asks.set(id, { resolve, timer });
      void this.send({ tg: 'group-ask', id, op }).then((sent) => {
        if (sent || !this.asks.has(id)) return;
        this.asks.delete(id);
        clearTimeout(timer);
        resolve(undefined);
      });
    });
  }

  onCollect(handler: CollectHandler): void {
    this.collectHandler = handler;
  }

  /** A spare: runs `handler` when the primary gives it a slot (at once if it already did). */
  onTake(handler: (slot: number) => void): void {
    this.takeHandler = handler;
    if (this.takeRequested !== undefined) handler(this.takeRequested);
  }

  /** Runs `handler` on the primary's drain (at once if it already asked). */
  onDrain(handler: () => void): void {
    this.drainHandler = handler;
    if (this.drainRequested) handler();
  }
}
