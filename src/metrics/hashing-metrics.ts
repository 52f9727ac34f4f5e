/**
 * Prometheus metrics of the password-hashing admission (src/auth/admission.ts), read from
 * its stats snapshot once per scrape (per-scrape.ts): nothing on the login path.
 *
 * `rate(tollgate_password_hashing_busy_seconds_total[1m]) /
 * tollgate_password_hashing_slots` is how busy the hashing slots are (0-1): near 1 with
 * `tollgate_auth_events_total{event="login_shed"}` rising means logins arrive faster than
 * the machine can hash them, which more cores or instances fix, not a longer queue.
 * In cluster mode every metric adds up over the workers except `overloaded` (any worker)
 * and the hash time and predicted wait (the worker with the largest).
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { oncePerScrape } from './per-scrape.js';

/** A snapshot of the password-hashing admission (`Admission.stats`, src/auth/admission.ts). */
export interface HashingStats {
  /** How many may run at once (PASSWORD_HASH_CONCURRENCY). */
  slots: number;
  running: number;
  /** Waiting for a slot. */
  queued: number;
  /** On their way to a slot (between `approach` and `run`). */
  approaching: number;
  /** Adaptive order: the queue has stood for `overloadMs`. */
  overloaded: boolean;
  /** Refused: queue full, waited too long, or pushed out under overload. */
  rejected_total: number;
  /**
   * Of those, refused after waiting: the bound passed before a slot came (predicted-wait:
   * twice the bound, so the prediction failed because the machine slowed down).
   */
  timed_out_total: number;
  /** Slot time spent running, in seconds: its rate over `slots` is the slots' utilization. */
  busy_seconds_total: number;
  /** The measured time one hash holds a slot (exponentially weighted mean), in seconds. */
  hash_seconds: number;
  /** How long a password check arriving now would wait for a slot, in seconds. */
  predicted_wait_seconds: number;
}

const GAUGES: ReadonlyArray<{
  name: string;
  help: string;
  aggregator: 'sum' | 'max';
  value: (s: HashingStats) => number;
}> = [
  {
    name: 'tollgate_password_hashing_slots',
    help: 'Password hashes allowed at once (PASSWORD_HASH_CONCURRENCY)',
    aggregator: 'sum',
    value: (s) => s.slots,
  },
  {
    name: 'tollgate_password_hashing_running',
    help: 'Password hashes running now',
    aggregator: 'sum',
    value: (s) => s.running,
  },
  {
    name: 'tollgate_password_hashing_waiting',
    help: 'Password checks waiting for a hashing slot, or on their way to one',
    aggregator: 'sum',
    value: (s) => s.queued + s.approaching,
  },
  {
    name: 'tollgate_password_hashing_queued',
    help: 'Password checks waiting for a hashing slot (not counting those on their way to one)',
    aggregator: 'sum',
    value: (s) => s.queued,
  },
  {
    name: 'tollgate_password_hashing_hash_seconds',
    help: 'Measured time one password hash holds a slot (weighted mean; in cluster mode the slowest worker)',
    aggregator: 'max',
    value: (s) => s.hash_seconds,
  },
  {
    name: 'tollgate_password_hashing_predicted_wait_seconds',
    help: 'Predicted wait for a hashing slot of a password check arriving now (in cluster mode the longest)',
    aggregator: 'max',
    value: (s) => s.predicted_wait_seconds,
  },
  {
    name: 'tollgate_password_hashing_overloaded',
    help: '1 while the hashing queue has stood long enough to mean overload (adaptive order; 1 if any worker is)',
    aggregator: 'max',
    value: (s) => (s.overloaded ? 1 : 0),
  },
];

const COUNTERS: ReadonlyArray<{ name: string; help: string; value: (s: HashingStats) => number }> = [
  {
    name: 'tollgate_password_hashing_busy_seconds_total',
    help: 'Slot time spent hashing; its rate over tollgate_password_hashing_slots is the slots utilization',
    value: (s) => s.busy_seconds_total,
  },
  {
    name: 'tollgate_password_hashing_refused_total',
    help: 'Password checks refused with 503 overloaded (predicted wait over the bound, queue full, or waited too long)',
    value: (s) => s.rejected_total,
  },
  {
    name: 'tollgate_password_hashing_timed_out_total',
    help: 'Of the refused password checks, those refused after waiting in line (the rest were refused on arrival)',
    value: (s) => s.timed_out_total,
  },
];

export function registerHashingMetrics(registry: Registry, stats: () => HashingStats): void {
  const read = oncePerScrape(stats);
  for (const g of GAUGES) {
    new Gauge({
      name: g.name,
      help: g.help,
      registers: [registry],
      aggregator: g.aggregator,
      collect() {
        this.set(g.value(read()));
      },
    });
  }
  for (const c of COUNTERS) {
    new Counter({
      name: c.name,
      help: c.help,
      registers: [registry],
      aggregator: 'sum',
      collect() {
        this.reset();
        this.inc(c.value(read()));
      },
    });
  }
}
