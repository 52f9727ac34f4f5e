/**
 * The IPC protocol between the cluster primary and its workers. Every message is an
 * object with a `tg` tag so that messages of other libraries on the same channel are
 * ignored. The channel uses Node's "advanced" (structured clone) serialization.
 */
import type { Config } from '../config/schema.js';
import type { WorkerPoolStats } from '../group/bridge.js';

/** What the primary can gather from every worker. */
export type CollectOp = 'metrics' | 'poolStats';

/** prom-client `registry.getMetricsAsJSON()` output, kept opaque here. */
export type MetricsJson = unknown[];

/** Worker → primary. */
export type WorkerMessage =
  /** First message of a worker: asks for the validated config of the group. */
  | { tg: 'hello' }
  /** The worker listens and serves. */
  | { tg: 'ready'; url: string }
  /** A spare has composed (stores connected) and waits for `take`. */
  | { tg: 'standing-by' }
  /** The worker could not start (sent before it exits non-zero). */
  | { tg: 'startup-failed'; message: string }
  /** A group-wide question, answered with `group-answer`. */
  | { tg: 'group-ask'; id: number; op: CollectOp }
  /** The worker's own part of a `collect`. */
  | { tg: 'collected'; id: number; op: CollectOp; data: MetricsJson | WorkerPoolStats | null };

/** Primary → worker. */
export type PrimaryMessage =
  /** `slot` is SPARE_SLOT for a spare: compose, do not listen, say `standing-by`. */
  | { tg: 'config'; config: Config; slot: number }
  /** A spare takes a crashed worker's slot: listen now. */
  | { tg: 'take'; slot: number }
  | { tg: 'drain' }
  | { tg: 'collect'; id: number; op: CollectOp }
  /** `answer` is null when the primary could not build it (the worker answers alone). */
  | { tg: 'group-answer'; id: number; answer: GroupAnswer | null };

export type GroupAnswer =
  { op: 'metrics'; contentType: string; body: string } | { op: 'poolStats'; stats: WorkerPoolStats[] };

function tagged(msg: unknown): msg is { tg: string } {
  return typeof msg === 'object' && msg !== null && typeof (msg as { tg?: unknown }).tg === 'string';
}

const WORKER_TAGS = new Set(['hello', 'ready', 'standing-by', 'startup-failed', 'group-ask', 'collected']);
const PRIMARY_TAGS = new Set(['config', 'take', 'drain', 'collect', 'group-answer']);

export function isWorkerMessage(msg: unknown): msg is WorkerMessage {
  return tagged(msg) && WORKER_TAGS.has(msg.tg);
}

export function isPrimaryMessage(msg: unknown): msg is PrimaryMessage {
  return tagged(msg) && PRIMARY_TAGS.has(msg.tg);
}

/** The slot a spare is given until it takes a crashed worker's. */
export const SPARE_SLOT = -1;

/** How long the primary waits for every worker's part of a group answer. */
export const COLLECT_TIMEOUT_MS = 1000;
/** How long a worker waits for the primary's group answer before answering alone. */
export const ASK_TIMEOUT_MS = 1500;
