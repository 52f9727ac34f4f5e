/**
 * One keep-alive HTTP/1.1 connection carrying one exchange at a time. The request is a
 * prebuilt buffer; the response goes through a ResponseParser that the caller reads when
 * the exchange resolves. No timer and no AbortSignal here: the pool's sweeper fails an
 * exchange past its deadline (`fail`), and the hard stop destroys the socket.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { ProtocolError, ResponseParser } from './response-parser.js';

export interface Endpoint {
  host: string;
  port: number;
  tls: boolean;
  /** TLS server name (SNI) and the hostname of the certificate. */
  servername: string;
}

/** An error with a `code`, like Node's socket errors (categorised by categorize.ts). */
export class ExchangeError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

export class Connection {
  readonly parser = new ResponseParser();
  private readonly socket: Socket;
  /** Epoch ms by which the exchange in progress must be complete (0 when idle). */
  deadline = 0;
  /** Exchanges completed on this connection. */
  served = 0;
  closed = false;
  private resolve: (() => void) | undefined;
  private reject: ((err: Error) => void) | undefined;

  constructor(endpoint: Endpoint) {
    this.socket = endpoint.tls
      ? tlsConnect({ host: endpoint.host, port: endpoint.port, servername: endpoint.servername })
      : netConnect({ host: endpoint.host, port: endpoint.port });
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (err) => this.onClose(err));
    this.socket.on('close', () => this.onClose(undefined));
    this.socket.on('end', () => {
      if (this.parser.finishOnClose() && this.resolve) this.settle(undefined);
      this.onClose(undefined);
    });
  }

  get busy(): boolean {
    return this.resolve !== undefined;
  }

  /** Sends `request` and resolves once the whole response is in `parser`. */
  exchange(request: Buffer, wantBody: boolean, deadline: number): Promise<void> {
    if (this.closed) return Promise.reject(new ExchangeError('connection closed', 'ECONNRESET'));
    this.parser.reset(wantBody);
    this.deadline = deadline;
    return new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
      this.socket.write(request);
    });
  }

  /** Fails the exchange in progress and closes the connection (deadline, hard stop). */
  fail(err: Error): void {
    this.settle(err);
    this.destroy();
  }

  destroy(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (!this.resolve) {
      // Bytes while idle: the server broke the exchange protocol; drop the connection.
      this.destroy();
      return;
    }
    let complete: boolean;
    try {
      complete = this.parser.feed(chunk);
    } catch (err) {
      this.fail(err instanceof Error ? err : new ProtocolError(String(err)));
      return;
    }
    if (!complete) return;
    this.served++;
    if (!this.parser.keepAlive) this.destroy();
    this.settle(undefined);
  }

  private onClose(err: Error | undefined): void {
    this.closed = true;
    if (this.resolve) {
      if (this.parser.finishOnClose()) this.settle(undefined);
      else
        this.settle(
          err ?? new ExchangeError('connection closed before the response was complete', 'ECONNRESET'),
        );
    }
  }

  private settle(err: Error | undefined): void {
    const { resolve, reject } = this;
    this.resolve = undefined;
    this.reject = undefined;
    this.deadline = 0;
    if (err) reject?.(err);
    else resolve?.();
  }
}
