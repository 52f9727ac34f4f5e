/**
 * A small in-memory HTTP server that mimics the tollgate API (docs/api.md) for the
 * load-testing tool's tests. Modes: `staleAfterLogout` keeps accepting logged-out tokens
 * (to prove stale_accept is detected), `delayMs` slows every response, `stall(ms)` holds
 * every response until the stall ends (`stallOnce` does it at the N-th verify: the
 * coordinated-omission test), `loginStatus` forces a
 * login failure status (429 / 503 carry Retry-After), `maxConcurrentLogins` sheds logins
 * beyond a concurrency with 503 + Retry-After.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomBytes } from 'node:crypto';

export interface FakeAuthOptions {
  staleAfterLogout?: boolean;
  delayMs?: number;
  loginStatus?: number;
  /** Extra delay of POST /auth/login only (timeouts on one endpoint). */
  loginDelayMs?: number;
  /** Answer 404 to /auth/register (registration disabled). */
  registrationDisabled?: boolean;
  /** Logins beyond this many at once get 503 + Retry-After: 1 (counted as `shed`). */
  maxConcurrentLogins?: number;
  /** Stall every response for `ms` once GET /api/protected has been called `afterVerifies` times. */
  stallOnce?: { afterVerifies: number; ms: number };
}

export interface FakeAuthServer {
  readonly url: string;
  readonly options: FakeAuthOptions;
  readonly counts: Record<string, number>;
  readonly users: Map<string, string>;
  /** Holds every response until `ms` from now. */
  stall(ms: number): void;
  close(): Promise<void>;
}

interface Session {
  email: string;
  access: string;
  refresh: string;
  alive: boolean;
}

function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve(text ? (JSON.parse(text) as Record<string, unknown>) : {});
      } catch {
        resolve({});
      }
    });
  });
}

const token = (kind: string, sid: string): string => `${kind}.${sid}.${randomBytes(8).toString('hex')}`;

export async function startFakeAuthServer(options: FakeAuthOptions = {}): Promise<FakeAuthServer> {
  const users = new Map<string, string>();
  const sessions = new Map<string, Session>();
  const byAccess = new Map<string, Session>();
  const byRefresh = new Map<string, Session>();
  const counts: Record<string, number> = {};
  const sockets = new Set<Socket>();
  let stallUntil = 0;
  let loginsInFlight = 0;

  const send = async (
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    const wait = Math.max(options.delayMs ?? 0, stallUntil - Date.now());
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  const bearer = (req: IncomingMessage): Session | undefined => {
    const h = req.headers.authorization ?? '';
    const s = byAccess.get(h.replace(/^Bearer /, ''));
    if (!s) return undefined;
    return s.alive || options.staleAfterLogout ? s : undefined;
  };
  const unauthorized = { error: 'invalid_token', message: 'invalid token' };
  const wwwAuth = { 'www-authenticate': 'Bearer error="invalid_token"' };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const route = `${req.method} ${req.url}`;
    counts[route] = (counts[route] ?? 0) + 1;
    switch (route) {
      case 'GET /':
        return send(res, 200, { service: 'fake-tollgate', version: '0.0.0', status: 'ok' });
      case 'GET /health':
        return send(res, 200, { status: 'ok', memory: { rss: process.memoryUsage().rss } });
      case 'POST /auth/register': {
        const b = await readBody(req);
        if (options.registrationDisabled) return send(res, 404, { error: 'not_found', message: 'disabled' });
        if (typeof b.email !== 'string' || typeof b.password !== 'string') {
          return send(res, 400, { error: 'invalid_request', message: 'bad body' });
        }
        if (users.has(b.email)) return send(res, 409, { error: 'email_taken', message: 'taken' });
        users.set(b.email, b.password);
        return send(res, 201, { id: String(users.size), email: b.email });
      }
      case 'POST /auth/login': {
        const b = await readBody(req);
        if (options.maxConcurrentLogins !== undefined && loginsInFlight >= options.maxConcurrentLogins) {
          counts.shed = (counts.shed ?? 0) + 1;
          return send(res, 503, { error: 'overloaded', message: 'busy' }, { 'retry-after': '1' });
        }
        loginsInFlight++;
        try {
          if (options.loginDelayMs) await new Promise((r) => setTimeout(r, options.loginDelayMs));
        } finally {
          loginsInFlight--;
        }
        if (options.loginStatus === 429) {
          return send(res, 429, { error: 'too_many_attempts', message: 'slow down' }, { 'retry-after': '1' });
        }
        if (options.loginStatus === 503) {
          return send(res, 503, { error: 'unavailable', message: 'store down' }, { 'retry-after': '1' });
        }
        if (typeof b.email !== 'string' || users.get(b.email) !== b.password) {
          return send(res, 401, { error: 'invalid_credentials', message: 'no' });
        }
        const sid = randomBytes(6).toString('hex');
        const s: Session = { email: b.email, access: token('a', sid), refresh: token('r', sid), alive: true };
        sessions.set(sid, s);
        byAccess.set(s.access, s);
        byRefresh.set(s.refresh, s);
        return send(res, 200, {
          access_token: s.access,
          refresh_token: s.refresh,
          token_type: 'bearer',
          expires_in: 900,
        });
      }
      case 'POST /auth/refresh': {
        const b = await readBody(req);
        const s = typeof b.refresh_token === 'string' ? byRefresh.get(b.refresh_token) : undefined;
        if (!s || !s.alive) return send(res, 401, { error: 'invalid_grant', message: 'no' });
        byRefresh.delete(s.refresh);
        s.access = token('a', 'x');
        s.refresh = token('r', 'x');
        byAccess.set(s.access, s);
        byRefresh.set(s.refresh, s);
        return send(res, 200, {
          access_token: s.access,
          refresh_token: s.refresh,
          token_type: 'bearer',
          expires_in: 900,
        });
      }
      case 'POST /auth/logout': {
        await readBody(req);
        const s = bearer(req);
        if (!s) return send(res, 401, unauthorized, wwwAuth);
        s.alive = false;
        return send(res, 200, { message: 'logged out' });
      }
      case 'GET /api/protected': {
        if (options.stallOnce && counts[route] === options.stallOnce.afterVerifies) {
          stallUntil = Date.now() + options.stallOnce.ms;
        }
        const s = bearer(req);
        if (!s) return send(res, 401, unauthorized, wwwAuth);
        return send(res, 200, {
          message: 'Access granted',
          user: s.email,
          timestamp: new Date().toISOString(),
        });
      }
      default:
        return send(res, 404, { error: 'not_found', message: route });
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      res.destroy();
    });
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    options,
    counts,
    users,
    stall(ms: number) {
      stallUntil = Date.now() + ms;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
