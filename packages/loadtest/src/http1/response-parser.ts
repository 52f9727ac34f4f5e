/**
 * Incremental HTTP/1.1 response parser for one exchange at a time (no pipelining):
 * status, `Retry-After`, keep-alive, and the body only when the caller wants it
 * (otherwise its bytes are counted and dropped). Content-Length, chunked and
 * read-until-close bodies are understood.
 */

const CRLFCRLF = Buffer.from('\r\n\r\n');
const MAX_HEAD_BYTES = 64 * 1024;

export class ProtocolError extends Error {
  readonly code = 'HPE_INVALID_RESPONSE';
}

const enum State {
  Head,
  Length,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailers,
  UntilClose,
  Done,
}

export class ResponseParser {
  status = 0;
  retryAfterS: number | undefined;
  keepAlive = true;
  private wantBody = false;
  private state = State.Head;
  private pending: Buffer | undefined;
  private remaining = 0;
  private line = '';
  private chunks: Buffer[] = [];

  reset(wantBody: boolean): void {
    this.status = 0;
    this.retryAfterS = undefined;
    this.keepAlive = true;
    this.wantBody = wantBody;
    this.state = State.Head;
    this.pending = undefined;
    this.remaining = 0;
    this.line = '';
    if (this.chunks.length > 0) this.chunks = [];
  }

  get done(): boolean {
    return this.state === State.Done;
  }

  /** True while no byte of the response has arrived (a reused connection closed under us). */
  get untouched(): boolean {
    return this.state === State.Head && this.pending === undefined;
  }

  /** The body (when wanted), as text. */
  bodyText(): string {
    if (this.chunks.length === 0) return '';
    if (this.chunks.length === 1) return this.chunks[0]!.toString('utf8');
    return Buffer.concat(this.chunks).toString('utf8');
  }

  /** Feeds received bytes; returns true once the response is complete. */
  feed(data: Buffer): boolean {
    let buf = data;
    let pos = 0;
    if (this.state === State.Head) {
      if (this.pending !== undefined) buf = Buffer.concat([this.pending, data]);
      const end = buf.indexOf(CRLFCRLF);
      if (end < 0) {
        if (buf.length > MAX_HEAD_BYTES) throw new ProtocolError('response head too large');
        this.pending = buf;
        return false;
      }
      this.pending = undefined;
      this.parseHead(buf.toString('latin1', 0, end));
      pos = end + 4;
    }
    while (pos < buf.length || this.state === State.Length) {
      switch (this.state) {
        case State.Length: {
          const n = Math.min(this.remaining, buf.length - pos);
          if (n > 0) this.keep(buf, pos, pos + n);
          pos += n;
          this.remaining -= n;
          if (this.remaining === 0) this.state = State.Done;
          else return false;
          break;
        }
        case State.UntilClose:
          this.keep(buf, pos, buf.length);
          return false;
        case State.ChunkSize:
        case State.ChunkDataEnd:
        case State.Trailers: {
          const nl = buf.indexOf(10, pos);
          if (nl < 0) {
            this.line += buf.toString('latin1', pos);
            if (this.line.length > 4096) throw new ProtocolError('chunk line too long');
            return false;
          }
          const text = (this.line + buf.toString('latin1', pos, nl)).replace(/\r$/, '');
          this.line = '';
          pos = nl + 1;
          this.onLine(text);
          break;
        }
        case State.ChunkData: {
          const n = Math.min(this.remaining, buf.length - pos);
          this.keep(buf, pos, pos + n);
          pos += n;
          this.remaining -= n;
          if (this.remaining === 0) this.state = State.ChunkDataEnd;
          break;
        }
        case State.Done:
          // Bytes after a complete response: the server broke the exchange.
          this.keepAlive = false;
          return true;
        case State.Head:
          throw new ProtocolError('unexpected parser state');
      }
    }
    return this.state === State.Done;
  }

  /** The connection closed: a read-until-close body ends here; anything else is cut short. */
  finishOnClose(): boolean {
    if (this.state === State.UntilClose) {
      this.state = State.Done;
      return true;
    }
    return this.state === State.Done;
  }

  private keep(buf: Buffer, from: number, to: number): void {
    if (this.wantBody && to > from) this.chunks.push(buf.subarray(from, to));
  }

  private onLine(text: string): void {
    if (this.state === State.ChunkSize) {
      const size = Number.parseInt(text, 16);
      if (!Number.isFinite(size) || size < 0) throw new ProtocolError('bad chunk size');
      if (size === 0) this.state = State.Trailers;
      else {
        this.remaining = size;
        this.state = State.ChunkData;
      }
    } else if (this.state === State.ChunkDataEnd) {
      if (text !== '') throw new ProtocolError('missing CRLF after chunk');
      this.state = State.ChunkSize;
    } else if (text === '') this.state = State.Done; // end of trailers
  }

  private parseHead(head: string): void {
    if (!head.startsWith('HTTP/1.')) throw new ProtocolError('not an HTTP/1.x response');
    this.status = Number(head.slice(9, 12));
    if (!(this.status >= 100 && this.status <= 999)) throw new ProtocolError('bad status line');
    this.keepAlive = head.charCodeAt(7) === 49; // HTTP/1.1 keeps alive by default
    let length = -1;
    let chunked = false;
    let lineStart = head.indexOf('\r\n');
    while (lineStart >= 0) {
      const next = head.indexOf('\r\n', lineStart + 2);
      const line = head.slice(lineStart + 2, next < 0 ? head.length : next);
      lineStart = next;
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).toLowerCase();
      if (name === 'content-length') length = Number(line.slice(colon + 1).trim());
      else if (name === 'transfer-encoding') chunked = /chunked/i.test(line.slice(colon + 1));
      else if (name === 'connection') {
        const v = line
          .slice(colon + 1)
          .trim()
          .toLowerCase();
        if (v === 'close') this.keepAlive = false;
        else if (v === 'keep-alive') this.keepAlive = true;
      } else if (name === 'retry-after') {
        const s = Number(line.slice(colon + 1).trim());
        this.retryAfterS = Number.isFinite(s) && s >= 0 ? s : undefined;
      }
    }
    if (this.status === 204 || this.status === 304 || (this.status >= 100 && this.status < 200)) {
      this.state = State.Done;
    } else if (chunked) this.state = State.ChunkSize;
    else if (length >= 0 && Number.isInteger(length)) {
      this.remaining = length;
      this.state = length === 0 ? State.Done : State.Length;
    } else {
      this.keepAlive = false;
      this.state = State.UntilClose;
    }
  }
}
