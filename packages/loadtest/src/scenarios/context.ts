/** What a scenario step gets to work with. */
import type { LoadClient } from '../http-client.js';

export interface FlowContext {
  client: LoadClient;
  email: string;
  password: string;
  verifiesPerFlow: number;
  refreshProbability: number;
  /** Uniform [0, 1). */
  random: () => number;
  /** Think time between two requests of one user (no-op in the open model). */
  think: () => Promise<void>;
  /** False when `think` does nothing (callers on the hot path skip the await). */
  thinks: boolean;
}

export interface FlowResult {
  /** All steps answered as expected. */
  ok: boolean;
  /** True when the tool itself cancelled the flow (hard stop): not a target failure. */
  aborted: boolean;
  /** How long the user should wait before its next flow (Retry-After, error backoff), ms. */
  backoffMs: number;
}

export const OK: FlowResult = { ok: true, aborted: false, backoffMs: 0 };
export const ABORTED: FlowResult = { ok: false, aborted: true, backoffMs: 0 };
