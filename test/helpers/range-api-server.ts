/**
 * A local server that speaks the Have-I-Been-Pwned range API (`GET <base><5 hex>`):
 * `SUFFIX:COUNT` lines for the passwords it was given, plus, when the request carries
 * `Add-Padding: true`, padding lines with count 0 (as the real API does). Its behaviour
 * can be switched per test: answer, fail with a status, answer garbage, or hang until
 * closed. It records every request (path, headers, raw bytes) so a test can check what
 * left the process.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type RangeMode = 'answer' | 'status-500' | 'garbage' | 'hang';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  /** The request line and headers as received. */
  raw: string;
}

export interface RangeApiServer {
  /** Base URL, ending in `/range/`. */
  url: string;
  requests: RecordedRequest[];
  mode: RangeMode;
  /** Extra lines to send for any prefix (e.g. a padding line for a given suffix). */
  extraLines: string[];
  close(): Promise<void>;
}

export function sha1Hex(password: string): string {
  return createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();
}

/** Deterministic filler suffixes (35 hex characters) that match no real password here. */
function paddingLines(prefix: string, n: number): string[] {
  return Array.from(
    { length: n },
    (_, i) => `${createHash('sha1').update(`pad-${prefix}-${i}`).digest('hex').toUpperCase().slice(5)}:0`,
  );
}

/** `breached`: password → count. */
export async function startRangeApiServer(breached: Record<string, number>): Promise<RangeApiServer> {
  const byPrefix = new Map<string, string[]>();
  for (const [password, count] of Object.entries(breached)) {
    const hex = sha1Hex(password);
    const lines = byPrefix.get(hex.slice(0, 5)) ?? [];
    lines.push(`${hex.slice(5)}:${count}`);
    byPrefix.set(hex.slice(0, 5), lines);
  }
  const sockets = new Set<Socket>();
  const hung = new Set<ServerResponse>();
  const state: RangeApiServer = {
    url: '',
    requests: [],
    mode: 'answer',
    extraLines: [],
    close: async () => {
      for (const res of hung) res.destroy();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const server = createServer((req, res) => {
    state.requests.push({
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      raw: `${req.method} ${req.url} HTTP/${req.httpVersion}\r\n${req.rawHeaders
        .map((v, i) => (i % 2 === 0 ? `${v}: ` : `${v}\r\n`))
        .join('')}`,
    });
    const m = /^\/range\/([0-9A-F]{5})$/.exec(req.url ?? '');
    if (state.mode === 'hang') {
      hung.add(res);
      return;
    }
    if (state.mode === 'status-500') {
      res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
      return;
    }
    if (state.mode === 'garbage') {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>please sign in to this network</html>');
      return;
    }
    if (!m) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('The hash prefix was not in a valid format');
      return;
    }
    const prefix = m[1]!;
    const lines = [...(byPrefix.get(prefix) ?? []), ...state.extraLines];
    if (req.headers['add-padding'] === 'true') lines.push(...paddingLines(prefix, 800));
    res.writeHead(200, { 'content-type': 'text/plain' }).end(lines.join('\r\n'));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/range/`;
  return state;
}
