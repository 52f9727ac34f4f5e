/**
 * A bounded set of keep-alive connections to one origin: idle connections are reused
 * (last in, first out), new ones are opened up to `max`, and callers beyond that wait in
 * FIFO order. One interval per pool checks every busy connection's deadline, instead of
 * a timer per request.
 */
import { Connection, ExchangeError, type Endpoint } from './connection.js';

export class AbortedError extends Error {
  readonly code = 'ABORTED';
}

export class ConnectionPool {
  private readonly all = new Set<Connection>();
  private idle: Connection[] = [];
  private waiters: ((conn: Connection | Error) => void)[] = [];
  private waiterHead = 0;
  private readonly sweeper: NodeJS.Timeout;
  private aborted = false;

  constructor(
    private readonly endpoint: Endpoint,
    private readonly max: number,
    sweepEveryMs: number,
    private readonly now: () => number,
  ) {
    this.sweeper = setInterval(() => this.sweep(), sweepEveryMs);
    this.sweeper.unref();
  }

  get size(): number {
    return this.all.size;
  }

  acquire(): Promise<Connection> | Connection {
    if (this.aborted) return Promise.reject(new AbortedError('stopped'));
    while (this.idle.length > 0) {
      const conn = this.idle.pop()!;
      if (!conn.closed) return conn;
      this.all.delete(conn);
    }
    if (this.all.size < this.max) return this.open();
    return new Promise<Connection>((resolve, reject) => {
      this.waiters.push((c) => (c instanceof Error ? reject(c) : resolve(c)));
    });
  }

  release(conn: Connection): void {
    if (conn.closed) {
      this.all.delete(conn);
      if (this.waiterHead < this.waiters.length && !this.aborted) this.handOver(this.open());
      return;
    }
    if (this.waiterHead < this.waiters.length) this.handOver(conn);
    else this.idle.push(conn);
  }

  /** Hard stop: fails every exchange in progress and every waiter; closes everything. */
  abort(): void {
    this.aborted = true;
    for (const conn of this.all) conn.fail(new AbortedError('stopped'));
    this.all.clear();
    this.idle = [];
    const waiting = this.waiters.slice(this.waiterHead);
    this.waiters = [];
    this.waiterHead = 0;
    for (const w of waiting) w(new AbortedError('stopped'));
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const conn of this.all) conn.destroy();
    this.all.clear();
    this.idle = [];
  }

  private open(): Connection {
    const conn = new Connection(this.endpoint);
    this.all.add(conn);
    return conn;
  }

  private handOver(conn: Connection): void {
    const waiter = this.waiters[this.waiterHead]!;
    this.waiters[this.waiterHead++] = undefined as never;
    if (this.waiterHead > 1024 && this.waiterHead * 2 > this.waiters.length) {
      this.waiters = this.waiters.slice(this.waiterHead);
      this.waiterHead = 0;
    }
    waiter(conn);
  }

  private sweep(): void {
    const now = this.now();
    for (const conn of this.all) {
      if (conn.deadline !== 0 && conn.deadline <= now) {
        conn.fail(new ExchangeError('no complete response in time', 'ETIMEDOUT'));
      }
    }
  }
}
