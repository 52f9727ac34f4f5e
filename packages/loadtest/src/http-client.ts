/**
 * The generator's HTTP client: one undici Pool per generator, sized so that every virtual
 * user (or open-model slot) has its own keep-alive connection, and every exchange timed and
 * recorded. Bodies are always consumed so connections are reused.
 */
import { Pool } from 'undici';
import { nowMs } from './clock.js';
import { transportCategory } from './categorize.js';
import type { Recorder } from './recorder.js';
import type { EndpointName, HttpResult } from './types.js';

export interface ClientOptions {
  url: string;
  connections: number;
  timeoutMs: number;
}

export interface SendOptions {
  method: 'GET' | 'POST';
  path: string;
  token?: string;
  body?: unknown;
  /** When the request was meant to be sent (open model); defaults to now. */
  intendedMs?: number;
}

function parseRetryAfter(value: string | string[] | undefined): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined) return undefined;
  const n = Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

export class LoadClient {
  private readonly pool: Pool;
  private readonly timeoutMs: number;
  inFlight = 0;
  aborted = 0;

  constructor(
    options: ClientOptions,
    private readonly recorder: Recorder,
    private readonly signal: AbortSignal,
  ) {
    this.timeoutMs = options.timeoutMs;
    this.pool = new Pool(options.url, {
      connections: Math.max(1, options.connections),
      pipelining: 1,
      connectTimeout: Math.min(options.timeoutMs, 10_000),
      // Backstops; the per-request deadline below is what normally fires.
      headersTimeout: options.timeoutMs + 1_000,
      bodyTimeout: options.timeoutMs + 1_000,
      keepAliveTimeout: 30_000,
    });
  }

  /** Sends one request and records it under `endpoint`. */
  async send(endpoint: EndpointName, opts: SendOptions): Promise<HttpResult> {
    const started = opts.intendedMs ?? nowMs();
    const headers: Record<string, string> = {};
    if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
    let payload: string | undefined;
    if (opts.body !== undefined) {
      payload = JSON.stringify(opts.body);
      headers['content-type'] = 'application/json';
    }
    // Own deadline per exchange (headers and body), and the generator's hard stop.
    const ctl = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ctl.abort();
    }, this.timeoutMs);
    const onHardStop = (): void => ctl.abort();
    this.signal.addEventListener('abort', onHardStop, { once: true });
    this.inFlight++;
    try {
      const res = await this.pool.request({
        method: opts.method,
        path: opts.path,
        headers,
        body: payload,
        signal: ctl.signal,
      });
      let body: unknown;
      const text = await res.body.text();
      try {
        body = text.length > 0 ? JSON.parse(text) : undefined;
      } catch {
        body = undefined;
      }
      this.recorder.record(endpoint, started, nowMs(), res.statusCode);
      return {
        status: res.statusCode,
        body,
        retryAfterS: parseRetryAfter(res.headers['retry-after']),
        transportError: undefined,
        aborted: false,
      };
    } catch (err) {
      if (this.signal.aborted && !timedOut) {
        this.aborted++;
        return {
          status: 0,
          body: undefined,
          retryAfterS: undefined,
          transportError: undefined,
          aborted: true,
        };
      }
      const category = timedOut ? 'timeout' : transportCategory(err);
      this.recorder.record(endpoint, started, nowMs(), 0, category);
      return { status: 0, body: undefined, retryAfterS: undefined, transportError: category, aborted: false };
    } finally {
      clearTimeout(timer);
      this.signal.removeEventListener('abort', onHardStop);
      this.inFlight--;
    }
  }

  get requestTimeoutMs(): number {
    return this.timeoutMs;
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
