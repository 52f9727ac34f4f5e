/**
 * The mail queue: a request hands a message over and returns at once; delivery happens
 * here, in the background, within fixed bounds.
 *
 * - Bounded: at most `maxQueue` messages are held (waiting, being sent, or waiting for a
 *   retry). Past that a new message is dropped, counted and logged; the request that
 *   asked for it is not slowed down or failed.
 * - Retries: a transient failure (4xx reply, dropped connection, timeout) is retried up to
 *   `maxAttempts` attempts in all, after an exponential backoff with jitter (half the
 *   delay fixed, half random, so a burst of failures does not retry in lockstep). A
 *   permanent failure (5xx) is not retried. Either way a message that is not delivered is
 *   counted as failed.
 * - Each attempt is bounded by `sendTimeoutMs`.
 * - At least once: when an attempt's answer is lost (the server took the message but the
 *   connection dropped or the attempt timed out before its reply), the message is sent
 *   again. Every attempt carries the same Message-ID, so the copies are identical and a
 *   mail system or client can recognise them; the links in them are the same single-use
 *   links. Sending twice is preferred to not sending: a lost reset mail leaves a person
 *   locked out, a duplicate costs nothing.
 * - `close()` stops taking messages, sends what it holds (retries waiting for their
 *   backoff are tried at once) and gives up at its bound: what is still unsent is
 *   counted as dropped.
 *
 * Logs name the message kind, the recipient's domain and the Message-ID; never the
 * address, a link or a token.
 */
import type { Logger } from 'pino';
import { settleWithin } from '../util/timeout.js';
import { abortable } from './abortable.js';
import { recipientDomain, type MailKind, type MailMessage, type MailTransport } from './message.js';

export type DropReason = 'queue_full' | 'closed' | 'shutdown';

export type MailEvent =
  | { type: 'sent'; kind: MailKind; attempts: number }
  | { type: 'retried'; kind: MailKind; attempt: number; delayMs: number; reason: string }
  | { type: 'failed'; kind: MailKind; attempts: number; reason: string }
  | { type: 'dropped'; kind: MailKind; reason: DropReason };

export interface MailStats {
  /** Waiting for a free sender. */
  waiting: number;
  /** Being sent now. */
  sending: number;
  /** Waiting for the backoff before their next attempt. */
  retrying: number;
  sent: number;
  retried: number;
  failed: number;
  dropped: number;
}

export interface MailQueueTuning {
  /** Messages held at most (waiting + sending + retrying). Default 1000. */
  maxQueue?: number;
  /** Messages sent at the same time. Default 2. */
  concurrency?: number;
  /** Attempts per message, the first included. Default 4. */
  maxAttempts?: number;
  /** Backoff before the 2nd attempt; doubled for each further one. Default 1000 ms. */
  backoffBaseMs?: number;
  /** Backoff cap. Default 30 000 ms. */
  backoffMaxMs?: number;
  /** Bound of one attempt. Default 30 000 ms. */
  sendTimeoutMs?: number;
}

export interface MailQueueOptions extends MailQueueTuning {
  transport: MailTransport;
  logger: Logger;
  /** Called for every outcome (wire to metrics). Must not throw; exceptions are ignored. */
  onEvent?: (event: MailEvent) => void;
  /** Treats an error as permanent (no retry) or transient. */
  classify: (err: unknown) => { permanent: boolean; reason: string };
  /** Source of jitter in [0, 1). Default Math.random. */
  random?: () => number;
}

/** Backoff before attempt `attempt + 1`, after `attempt` failed attempts (1-based). */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

interface Job {
  message: MailMessage;
  attempts: number;
}

export class MailQueue {
  private readonly transport: MailTransport;
  private readonly logger: Logger;
  private readonly onEvent: ((event: MailEvent) => void) | undefined;
  private readonly classify: MailQueueOptions['classify'];
  private readonly random: () => number;
  private readonly maxQueue: number;
  private readonly concurrency: number;
  private readonly maxAttempts: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly sendTimeoutMs: number;

  private readonly waiting: Job[] = [];
  private readonly sending = new Set<Job>();
  private readonly retrying = new Map<Job, NodeJS.Timeout>();
  private readonly counts = { sent: 0, retried: 0, failed: 0, dropped: 0 };
  private readonly shutdown = new AbortController();
  private idleWaiters: Array<() => void> = [];
  private closing: Promise<void> | undefined;

  constructor(options: MailQueueOptions) {
    this.transport = options.transport;
    this.logger = options.logger;
    this.onEvent = options.onEvent;
    this.classify = options.classify;
    this.random = options.random ?? Math.random;
    this.maxQueue = positive(options.maxQueue, 1000, 'maxQueue');
    this.concurrency = positive(options.concurrency, 2, 'concurrency');
    this.maxAttempts = positive(options.maxAttempts, 4, 'maxAttempts');
    this.backoffBaseMs = positive(options.backoffBaseMs, 1000, 'backoffBaseMs');
    this.backoffMaxMs = positive(options.backoffMaxMs, 30_000, 'backoffMaxMs');
    this.sendTimeoutMs = positive(options.sendTimeoutMs, 30_000, 'sendTimeoutMs');
  }

  /** Takes a message for delivery. False when it was dropped (queue full or closed). */
  enqueue(message: MailMessage): boolean {
    if (this.closing) {
      this.drop(message, 'closed');
      return false;
    }
    if (this.size() >= this.maxQueue) {
      this.drop(message, 'queue_full');
      return false;
    }
    this.waiting.push({ message, attempts: 0 });
    this.pump();
    return true;
  }

  stats(): MailStats {
    return {
      waiting: this.waiting.length,
      sending: this.sending.size,
      retrying: this.retrying.size,
      ...this.counts,
    };
  }

  /** Resolves once nothing is held (or after `timeoutMs`); true when the queue is empty. */
  async idle(timeoutMs: number): Promise<boolean> {
    if (this.size() === 0) return true;
    let release!: () => void;
    const done = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.idleWaiters.push(release);
    await settleWithin(done, timeoutMs);
    this.idleWaiters = this.idleWaiters.filter((w) => w !== release);
    return this.size() === 0;
  }

  /**
   * Stops taking messages, sends what is held for at most `timeoutMs`, then drops the
   * rest (counted), aborts what is in flight and closes the transport.
   */
  close(timeoutMs = 5000): Promise<void> {
    this.closing ??= this.closeWithin(timeoutMs);
    return this.closing;
  }

  private async closeWithin(timeoutMs: number): Promise<void> {
    for (const [job, timer] of this.retrying) {
      clearTimeout(timer);
      this.waiting.push(job);
    }
    this.retrying.clear();
    this.pump();
    const flushed = await this.idle(timeoutMs);
    if (!flushed) {
      for (const job of this.waiting.splice(0)) this.drop(job.message, 'shutdown');
      // In-flight attempts reject at once on this signal and count themselves as dropped.
      this.shutdown.abort(new Error('mail queue closed'));
      await this.idle(1000);
    }
    try {
      await this.transport.close();
    } catch (err) {
      this.logger.warn({ err: { code: (err as { code?: unknown }).code } }, 'mail transport close failed');
    }
  }

  private size(): number {
    return this.waiting.length + this.sending.size + this.retrying.size;
  }

  private pump(): void {
    while (this.sending.size < this.concurrency && this.waiting.length > 0 && !this.shutdown.signal.aborted) {
      const job = this.waiting.shift()!;
      this.sending.add(job);
      void this.attempt(job);
    }
    if (this.size() === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const release of waiters) release();
    }
  }

  private async attempt(job: Job): Promise<void> {
    job.attempts += 1;
    const timeout = AbortSignal.timeout(this.sendTimeoutMs);
    const signal = AbortSignal.any([timeout, this.shutdown.signal]);
    try {
      await abortable(this.transport.send(job.message, signal), signal);
      this.sending.delete(job);
      this.counts.sent += 1;
      // The log transport's own line is the whole story of a development mail.
      if (this.transport.name !== 'log') this.logger.info(this.logFields(job), 'mail sent');
      this.emit({ type: 'sent', kind: job.message.kind, attempts: job.attempts });
    } catch (err) {
      this.sending.delete(job);
      this.afterFailure(job, err, timeout.aborted);
    } finally {
      this.pump();
    }
  }

  private afterFailure(job: Job, err: unknown, timedOut: boolean): void {
    if (this.shutdown.signal.aborted) {
      this.drop(job.message, 'shutdown');
      return;
    }
    const { permanent, reason } = timedOut ? { permanent: false, reason: 'timeout' } : this.classify(err);
    if (permanent || job.attempts >= this.maxAttempts) {
      this.counts.failed += 1;
      this.logger.error({ ...this.logFields(job), reason, permanent }, 'mail not delivered; giving up');
      this.emit({ type: 'failed', kind: job.message.kind, attempts: job.attempts, reason });
      return;
    }
    const delayMs = this.closing
      ? 0
      : backoffDelay(job.attempts, this.backoffBaseMs, this.backoffMaxMs, this.random);
    this.counts.retried += 1;
    this.logger.warn({ ...this.logFields(job), reason, delayMs }, 'mail attempt failed; retrying');
    this.emit({ type: 'retried', kind: job.message.kind, attempt: job.attempts, delayMs, reason });
    const timer = setTimeout(() => {
      this.retrying.delete(job);
      this.waiting.push(job);
      this.pump();
    }, delayMs);
    this.retrying.set(job, timer);
  }

  private drop(message: MailMessage, reason: DropReason): void {
    this.counts.dropped += 1;
    this.logger.warn(
      { mail: { kind: message.kind, domain: recipientDomain(message.to), id: message.messageId }, reason },
      'mail dropped',
    );
    this.emit({ type: 'dropped', kind: message.kind, reason });
  }

  private logFields(job: Job): Record<string, unknown> {
    const m = job.message;
    return { mail: { kind: m.kind, domain: recipientDomain(m.to), id: m.messageId, attempt: job.attempts } };
  }

  private emit(event: MailEvent): void {
    if (!this.onEvent) return;
    try {
      this.onEvent(event);
    } catch {
      // A broken metrics hook must not break delivery.
    }
  }
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`mail queue: ${name} must be > 0`);
  return value;
}
