/**
 * The command timeout of one connection without a timer per command: the commands in
 * flight form a list in the order they were sent, and every command has the same
 * bound, so the oldest one always has the earliest deadline. One timer, armed for the
 * oldest deadline, is enough: when it fires it fails every command past its deadline,
 * then re-arms for the new oldest one. A command that settles just leaves the list
 * (O(1)); the timer is not touched, so a connection under load re-arms about once per
 * timeout, not once per command (node-redis' own per-command timeout, an
 * `AbortSignal.timeout()` and a listener per command, is switched off in client.ts).
 */
import { performance } from 'node:perf_hooks';

/** One command in flight: a node of the list. */
export interface Deadline {
  /** `performance.now()` at which the command times out. */
  at: number;
  prev: Deadline | undefined;
  next: Deadline | undefined;
  /** False once the command left the list (settled or expired). */
  linked: boolean;
  /** Called once, when the deadline passes before the command settled. */
  expire(): void;
}

/**
 * Timers may fire up to a millisecond before `performance.now()` agrees the deadline
 * passed (libuv counts whole milliseconds); a command within this of its deadline is
 * expired rather than re-armed for under a millisecond.
 */
const EARLY_FIRE_MS = 1;

export class DeadlineList {
  readonly timeoutMs: number;
  #head: Deadline | undefined;
  #tail: Deadline | undefined;
  #size = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(timeoutMs: number) {
    this.timeoutMs = timeoutMs;
  }

  /** Commands in the list (sent, neither settled nor expired). */
  get size(): number {
    return this.#size;
  }

  /** Sets `entry.at` to now + the timeout and appends it (it is the newest). */
  add(entry: Deadline): void {
    entry.at = performance.now() + this.timeoutMs;
    entry.prev = this.#tail;
    entry.next = undefined;
    entry.linked = true;
    if (this.#tail) this.#tail.next = entry;
    else this.#head = entry;
    this.#tail = entry;
    this.#size++;
    if (!this.#timer) this.#arm(this.timeoutMs);
  }

  /** Takes a settled command out of the list; a no-op when it already left. */
  remove(entry: Deadline): void {
    if (!entry.linked) return;
    entry.linked = false;
    if (entry.prev) entry.prev.next = entry.next;
    else this.#head = entry.next;
    if (entry.next) entry.next.prev = entry.prev;
    else this.#tail = entry.prev;
    entry.prev = undefined;
    entry.next = undefined;
    this.#size--;
  }

  /** Stops the timer (the connection closes); entries stay until they settle. */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(ms: number): void {
    this.#timer = setTimeout(this.#sweep, Math.max(1, Math.ceil(ms)));
    // A command in flight keeps its socket (and so the process) alive; the timer need not.
    this.#timer.unref();
  }

  readonly #sweep = (): void => {
    this.#timer = undefined;
    const now = performance.now() + EARLY_FIRE_MS;
    let head = this.#head;
    while (head && head.at <= now) {
      this.remove(head);
      head.expire();
      head = this.#head;
    }
    // An expire() callback may have sent a command, which armed the timer already.
    if (head && !this.#timer) this.#arm(head.at - performance.now());
  };
}
