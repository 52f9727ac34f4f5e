/**
 * The one HTTP helper of the tests. A target is either a URL (a real socket: the app on
 * port 0, a built CLI, nginx) or a Fastify instance (in-process through `inject`, for
 * tests where no socket matters). JSON in, JSON out; every request is bounded.
 */
import type { FastifyInstance } from 'fastify';
import { setTimeout as delay } from 'node:timers/promises';
import { Client, request } from 'undici';

export type Target = string | FastifyInstance;

export interface HttpResult {
  status: number;
  /** Lower-case header names; repeated headers joined with ", ". */
  headers: Record<string, string | undefined>;
  /** The parsed JSON body, `{}` when empty, `{ _text }` when not JSON. */
  body: Record<string, unknown>;
  text: string;
}

export interface CallOptions {
  /** A JSON body (sets content-type). */
  body?: unknown;
  /** A raw body, sent as is (with the headers given). */
  raw?: string;
  /** Sends `Authorization: Bearer <token>`. */
  token?: string;
  headers?: Record<string, string>;
  /** Socket targets: use a new TCP connection for this request only (closed afterwards). */
  fresh?: boolean;
  /** Socket targets: bind a fresh connection's client side to this loopback address. */
  localAddress?: string;
  timeoutMs?: number;
}

function parse(text: string): Record<string, unknown> {
  if (!text) return {};
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : { _value: v };
  } catch {
    return { _text: text };
  }
}

function flatten(headers: Record<string, string | string[] | number | undefined>): HttpResult['headers'] {
  const out: HttpResult['headers'] = {};
  for (const [k, v] of Object.entries(headers)) {
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v === undefined ? undefined : String(v);
  }
  return out;
}

export async function call(
  target: Target,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<HttpResult> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let payload = options.raw;
  if (options.body !== undefined) {
    payload = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const timeout = options.timeoutMs ?? 10_000;

  if (typeof target !== 'string') {
    const res = await target.inject({
      method: method as 'GET',
      url: path,
      headers,
      ...(payload === undefined ? {} : { payload }),
    });
    return { status: res.statusCode, headers: flatten(res.headers), body: parse(res.body), text: res.body };
  }

  const client =
    options.fresh || options.localAddress
      ? new Client(target, {
          pipelining: 0,
          ...(options.localAddress ? { localAddress: options.localAddress } : {}),
        })
      : undefined;
  try {
    const res = await request(new URL(path, target), {
      method: method as 'GET',
      headers,
      body: payload,
      headersTimeout: timeout,
      bodyTimeout: timeout,
      ...(client ? { dispatcher: client } : {}),
    });
    const text = await res.body.text();
    return { status: res.statusCode, headers: flatten(res.headers), body: parse(text), text };
  } finally {
    await client?.destroy();
  }
}

/** GET on a fresh connection with a short bound (polling, health checks). */
export function getJson(
  target: Target,
  path: string,
  headers: Record<string, string> = {},
): Promise<HttpResult> {
  return call(target, 'GET', path, { headers, fresh: true, timeoutMs: 3000 });
}

export const PASSWORD = 'correct horse battery staple';

export interface Session {
  access: string;
  refresh: string;
}

/** Registers (201 or 409 accepted) a user. */
export async function register(target: Target, email: string, password = PASSWORD): Promise<void> {
  const res = await call(target, 'POST', '/auth/register', { body: { email, password }, fresh: true });
  if (res.status !== 201 && res.status !== 409) {
    throw new Error(`register ${email}: ${res.status} ${res.text}`);
  }
}

/**
 * Logs in as a well-behaved client: a 503 (`overloaded` while passwords are being
 * checked, or a store blip) is retried after its Retry-After, a bounded number of times.
 */
export async function login(
  target: Target,
  email: string,
  password = PASSWORD,
  fresh = true,
): Promise<Session> {
  for (let attempt = 1; ; attempt++) {
    const res = await call(target, 'POST', '/auth/login', { body: { email, password }, fresh });
    if (res.status === 200) {
      return { access: String(res.body.access_token), refresh: String(res.body.refresh_token) };
    }
    if (res.status !== 503 || attempt >= 5) throw new Error(`login ${email}: ${res.status} ${res.text}`);
    await delay(Number(res.headers['retry-after'] ?? 1) * 1000);
  }
}

export async function registerAndLogin(target: Target, email: string, password = PASSWORD): Promise<Session> {
  await register(target, email, password);
  return login(target, email, password);
}
