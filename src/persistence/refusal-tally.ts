/**
 * Requests refused before anything is checked (a 429 of a limit, a refused /admin call)
 * cost the refuser nothing, so a flood of them must not cost the audit log a row each.
 * Each one is counted at once (the caller's metric) and tallied here per event type and
 * client address; every AUDIT_REFUSAL_WINDOW seconds, and when the process stops, each
 * tally becomes one audit row with the address, the last User-Agent and, in `detail`,
 * `count` (how many), `first_at` / `last_at`, `window_seconds`, counts `by` route or
 * method, and up to MAX_SUBJECTS of the emails or user ids concerned.
 *
 * So one address writes at most one row per type per window per process, whatever its
 * rate. Memory is bounded too: past MAX_ADDRESSES tallies in a window, further addresses
 * share one tally per type whose row has no ip and `detail.overflow: true`.
 */
import type { AuditEventType, AuditSink } from './audit.js';

export const MAX_ADDRESSES = 10_000;
export const MAX_SUBJECTS = 10;

export interface Refusal {
  ip: string;
  userAgent: string;
  /** What was refused: a route or a method (`password`, `passkey_options`, ...). */
  what: string;
  /** The email or user id concerned, when known. */
  subject?: string;
}

interface Tally {
  type: AuditEventType;
  ip: string | null;
  userAgent: string;
  count: number;
  firstAt: number;
  lastAt: number;
  by: Map<string, number>;
  subjects: Set<string>;
  moreSubjects: number;
}

export interface RefusalTallyOptions {
  windowSeconds: number;
  now?: () => number;
}

export class RefusalTally {
  readonly #sink: AuditSink;
  readonly #windowSeconds: number;
  readonly #now: () => number;
  #tallies = new Map<string, Tally>();
  readonly #timer: NodeJS.Timeout;
  #flushing: Promise<void> = Promise.resolve();

  constructor(sink: AuditSink, options: RefusalTallyOptions) {
    this.#sink = sink;
    this.#windowSeconds = options.windowSeconds;
    this.#now = options.now ?? Date.now;
    this.#timer = setInterval(() => void this.flush(), options.windowSeconds * 1000);
    this.#timer.unref();
  }

  /** Tallies one refusal; writes nothing now. */
  note(type: AuditEventType, refusal: Refusal): void {
    let key = `${type}|${refusal.ip}`;
    let tally = this.#tallies.get(key);
    if (!tally && this.#tallies.size >= MAX_ADDRESSES) {
      key = `${type}|*`;
      tally = this.#tallies.get(key);
    }
    const now = this.#now();
    if (!tally) {
      tally = {
        type,
        ip: key.endsWith('|*') ? null : refusal.ip,
        userAgent: refusal.userAgent,
        count: 0,
        firstAt: now,
        lastAt: now,
        by: new Map(),
        subjects: new Set(),
        moreSubjects: 0,
      };
      this.#tallies.set(key, tally);
    }
    tally.count += 1;
    tally.lastAt = now;
    tally.userAgent = refusal.userAgent;
    tally.by.set(refusal.what, (tally.by.get(refusal.what) ?? 0) + 1);
    if (refusal.subject !== undefined && !tally.subjects.has(refusal.subject)) {
      if (tally.subjects.size < MAX_SUBJECTS) tally.subjects.add(refusal.subject);
      else tally.moreSubjects += 1;
    }
  }

  /** Writes one row per tally and starts new ones (flushes run one after another). */
  flush(): Promise<void> {
    const tallies = [...this.#tallies.values()];
    this.#tallies = new Map();
    this.#flushing = this.#flushing.then(async () => {
      for (const t of tallies) {
        await this.#sink(t.type, {
          userId: null,
          ip: t.ip,
          userAgent: t.userAgent,
          detail: {
            count: t.count,
            first_at: new Date(t.firstAt).toISOString(),
            last_at: new Date(t.lastAt).toISOString(),
            window_seconds: this.#windowSeconds,
            by: Object.fromEntries(t.by),
            ...(t.subjects.size > 0 ? { subjects: [...t.subjects] } : {}),
            ...(t.moreSubjects > 0 ? { more_subjects: t.moreSubjects } : {}),
            ...(t.ip === null ? { overflow: true } : {}),
          },
        });
      }
    });
    return this.#flushing;
  }

  /** Stops the timer and writes what is tallied. */
  close(): Promise<void> {
    clearInterval(this.#timer);
    return this.flush();
  }
}
