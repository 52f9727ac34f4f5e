/**
 * The generator's HTTP client: a pool of keep-alive HTTP/1.1 connections (one per
 * virtual user or in-flight slot unless capped; no pipelining), prebuilt request
 * buffers, and one deadline sweeper for all requests. Each exchange is timed and
 * recorded; its body is read only when the scenario needs it (`parseBody`).
 */
import { nowMs } from './clock.js';
import { transportCategory } from './categorize.js';
import type { Connection } from './http1/connection.js';
import { AbortedError, ConnectionPool } from './http1/pool.js';
import { encodeRequest, type RequestSpec } from './http1/request.js';
import type { Recorder } from './recorder.js';
import type { EndpointName, HttpResult } from './types.js';

export interface ClientOptions {
  url: string;
  connections: number;
  timeoutMs: number;
}

export interface SendOptions extends RequestSpec {
  /** The request already encoded by `prepare` (reused across calls). */
  prepared?: Buffer;
  /** Read and parse the JSON body (login, refresh); other bodies are skipped. */
  parseBody?: boolean;
}

/** How often deadlines are checked: timeouts fire within this much of their time. */
export function sweepInterval(timeoutMs: number): number {
  return Math.max(5, Math.min(100, Math.floor(timeoutMs / 4)));
}

const ABORTED_RESULT: HttpResult = {
  status: 0,
  body: undefined,
  retryAfterS: undefined,
  transportError: undefined,
  aborted: true,
};

export class LoadClient {
  private readonly pool: ConnectionPool;
  private readonly host: string;
  private stopped = false;
  inFlight = 0;
  aborted = 0;

  constructor(
    private readonly options: ClientOptions,
    private readonly recorder: Recorder,
  ) {
    const url = new URL(options.url);
    const tls = url.protocol === 'https:';
    const hostname = url.hostname.replace(/^\[|\]$/g, '');
    const port = url.port ? Number(url.port) : tls ? 443 : 80;
    this.host = url.host;
    this.pool = new ConnectionPool(
      { host: hostname, port, tls, servername: hostname },
      Math.max(1, options.connections),
      sweepInterval(options.timeoutMs),
      nowMs,
    );
  }

  /** Encodes a request once, to send it many times (`SendOptions.prepared`). */
  prepare(spec: RequestSpec): Buffer {
    return encodeRequest(this.host, spec);
  }

  /**
   * Sends one request and records it under `endpoint`. `intendedMs`: when it was meant
   * to be sent (open model), the start of its latency; defaults to now.
   */
  async send(endpoint: EndpointName, opts: SendOptions, intendedMs?: number): Promise<HttpResult> {
    if (this.stopped) {
      this.aborted++;
      return ABORTED_RESULT;
    }
    const started = intendedMs ?? nowMs();
    const request = opts.prepared ?? encodeRequest(this.host, opts);
    const wantBody = opts.parseBody === true;
    this.inFlight++;
    try {
      for (let attempt = 0; ; attempt++) {
        const acquired = this.pool.acquire();
        const conn: Connection = acquired instanceof Promise ? await acquired : acquired;
        try {
          await conn.exchange(request, wantBody, nowMs() + this.options.timeoutMs);
        } catch (err) {
          this.pool.release(conn);
          // A reused connection the server closed while idle: once more on a new one.
          if (attempt === 0 && conn.served > 0 && conn.parser.untouched && !this.stopped && isReset(err)) {
            continue;
          }
          throw err;
        }
        const p = conn.parser;
        const status = p.status;
        const retryAfterS = p.retryAfterS;
        let body: unknown;
        if (wantBody) {
          try {
            body = JSON.parse(p.bodyText());
          } catch {
            body = undefined;
          }
        }
        this.pool.release(conn);
        this.recorder.record(endpoint, started, nowMs(), status);
        return { status, body, retryAfterS, transportError: undefined, aborted: false };
      }
    } catch (err) {
      if (err instanceof AbortedError || this.stopped) {
        this.aborted++;
        return ABORTED_RESULT;
      }
      const category = transportCategory(err);
      this.recorder.record(endpoint, started, nowMs(), 0, category);
      return { status: 0, body: undefined, retryAfterS: undefined, transportError: category, aborted: false };
    } finally {
      this.inFlight--;
    }
  }

  get requestTimeoutMs(): number {
    return this.options.timeoutMs;
  }

  /** Hard stop: cancels every request in flight (they are not counted as failures). */
  abort(): void {
    this.stopped = true;
    this.pool.abort();
  }

  close(): void {
    this.pool.close();
  }
}

function isReset(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === 'ECONNRESET' || code === 'EPIPE';
}
