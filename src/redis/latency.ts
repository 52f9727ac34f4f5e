/**
 * Command latency recorder behind `command_latency_ms` in the pool's stats: a
 * log-bucketed histogram (8 buckets per power of two, so a percentile is within ~9 % of
 * the true value). Recording is O(1) and allocation-free. (Prometheus gets its own
 * histogram from the command channel, src/metrics/pool-metrics.ts.)
 */

const SUB_BUCKETS = 8;
/** Smallest resolved value: 1 microsecond. Values are recorded in microseconds. */
const MAX_EXPONENT = 36; // 2^36 us ~ 19 hours
const LOG_BUCKETS = MAX_EXPONENT * SUB_BUCKETS;

export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

function logIndex(us: number): number {
  if (us <= 1) return 0;
  const i = Math.floor(Math.log2(us) * SUB_BUCKETS);
  return i >= LOG_BUCKETS ? LOG_BUCKETS - 1 : i;
}

/** Upper edge (in ms) of a log bucket. */
function bucketUpperMs(i: number): number {
  return 2 ** ((i + 1) / SUB_BUCKETS) / 1000;
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

export class LatencyRecorder {
  readonly #log = new Float64Array(LOG_BUCKETS);
  #count = 0;
  #sumMs = 0;
  #maxMs = 0;

  record(ms: number): void {
    if (!(ms >= 0)) return;
    this.#count++;
    this.#sumMs += ms;
    if (ms > this.#maxMs) this.#maxMs = ms;
    this.#log[logIndex(ms * 1000)]!++;
  }

  /** The value (ms) below which `q` (0..1) of the recorded values lie, bucket-resolved. */
  percentile(q: number): number {
    if (this.#count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.#count));
    let seen = 0;
    for (let i = 0; i < LOG_BUCKETS; i++) {
      seen += this.#log[i]!;
      if (seen >= rank) return Math.min(bucketUpperMs(i), this.#maxMs);
    }
    return this.#maxMs;
  }

  summary(): LatencySummary {
    const count = this.#count;
    return {
      count,
      mean: count === 0 ? 0 : round3(this.#sumMs / count),
      p50: round3(this.percentile(0.5)),
      p95: round3(this.percentile(0.95)),
      p99: round3(this.percentile(0.99)),
      max: round3(this.#maxMs),
    };
  }
}
