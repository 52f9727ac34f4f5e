/** Messages between the main thread and its generators (worker threads or inline). */
import type { EndpointFinal, SecondSlice } from './recorder.js';
import type { EndpointName, FlowCounts, OpenModelCounts, RunConfig } from './types.js';

export interface GeneratorSetup {
  run: RunConfig;
  index: number;
  count: number;
}

/** Main -> generator. */
/**
 * `go` carries a delay, not a timestamp: threads do not share a wall clock reliably
 * (each maps its monotonic clock to wall time when it starts, and the system clock may
 * jump in between), so each generator takes its own `t0 = now + delayMs`.
 */
export type ControlMessage = { type: 'go'; delayMs: number } | { type: 'stop' } | { type: 'abort' };

export interface ReadyMessage {
  type: 'ready';
  index: number;
  /** Open-model `verify`: sessions logged in before the start, and how many failed. */
  sessions: number;
  sessionFailures: number;
}

export interface TickMessage {
  type: 'tick';
  index: number;
  /** Completed seconds since the last tick. */
  seconds: SecondSlice[];
  /** Every second below this one has been shipped. */
  watermark: number;
  /** Cumulative counters of this generator. */
  requests: number;
  failed: number;
  errors: Record<string, number>;
  activeUsers: number;
  inFlight: number;
}

export interface DoneMessage {
  type: 'done';
  index: number;
  seconds: SecondSlice[];
  endpoints: Record<EndpointName, EndpointFinal>;
  errors: Record<string, number>;
  flows: FlowCounts;
  open: OpenModelCounts;
  /** Requests cancelled by the tool at the hard end (not counted as failures). */
  aborted: number;
}

export interface ErrorMessage {
  type: 'error';
  index: number;
  message: string;
}

export type GeneratorMessage = ReadyMessage | TickMessage | DoneMessage | ErrorMessage;
