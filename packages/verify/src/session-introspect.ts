/**
 * `introspect` mode: one RFC 7662 call to tollgate's `POST /oauth/introspect` per
 * request (form-encoded `token=…`, HTTP Basic client authentication), on a pool of
 * keep-alive connections. The request is accepted only when tollgate answers
 * `active: true` for the same `sub` and `sid` the token carries. Nothing is cached.
 */
import { Pool, errors as undiciErrors } from 'undici';
import { IntrospectionUnavailableError, SessionEndedError } from './errors.js';
import type { TollgateClaims } from './jwt.js';
import type { SessionCheck } from './session-check.js';
import { withTimeout } from './timeout.js';

export interface IntrospectionOptions {
  endpoint: URL;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
  connections: number;
}

/** Largest introspection answer read, in bytes. */
const MAX_ANSWER_BYTES = 64 * 1024;

class IntrospectionTimeout extends Error {}

/** RFC 6749 §2.3.1: the client id and secret are form-encoded before Base64. */
function formEncode(value: string): string {
  return new URLSearchParams([['', value]]).toString().slice(1);
}

/** Errors of a keep-alive connection the server had just closed: safe to send again once. */
function isStaleConnection(err: unknown): boolean {
  if (err instanceof undiciErrors.SocketError) return true;
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ECONNRESET' || code === 'EPIPE';
}

interface Answer {
  statusCode: number;
  json: unknown;
}

export function introspectionSessionCheck(options: IntrospectionOptions): SessionCheck {
  const { endpoint, timeoutMs } = options;
  const path = `${endpoint.pathname}${endpoint.search}`;
  const authorization = `Basic ${Buffer.from(
    `${formEncode(options.clientId)}:${formEncode(options.clientSecret)}`,
  ).toString('base64')}`;
  const pool = new Pool(endpoint.origin, {
    connections: options.connections,
    pipelining: 1,
    connect: { timeout: timeoutMs },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });

  async function post(token: string, signal: AbortSignal): Promise<Answer> {
    const { statusCode, body } = await pool.request({
      path,
      method: 'POST',
      headers: {
        authorization,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: `token=${encodeURIComponent(token)}&token_type_hint=access_token`,
      signal,
    });
    if (statusCode !== 200) {
      await body.dump();
      return { statusCode, json: undefined };
    }
    let size = 0;
    const chunks: Buffer[] = [];
    for await (const chunk of body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_ANSWER_BYTES) {
        body.destroy();
        throw new Error('the introspection answer is too large');
      }
      chunks.push(chunk);
    }
    return { statusCode, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown };
  }

  async function ask(token: string): Promise<Answer> {
    const controller = new AbortController();
    const deadline = Date.now() + timeoutMs;
    const attempt = post(token, controller.signal).catch((err: unknown) => {
      // One resend when a reused connection turned out closed, within the same deadline.
      if (isStaleConnection(err) && !controller.signal.aborted && Date.now() < deadline) {
        return post(token, controller.signal);
      }
      throw err;
    });
    try {
      return await withTimeout(attempt, timeoutMs, () => {
        controller.abort();
        return new IntrospectionTimeout(`tollgate did not answer within ${timeoutMs} ms`);
      });
    } finally {
      attempt.catch(() => undefined);
    }
  }

  return {
    async check(token: string, claims: TollgateClaims): Promise<void> {
      let answer: Answer;
      try {
        answer = await ask(token);
      } catch (err) {
        throw new IntrospectionUnavailableError(err instanceof IntrospectionTimeout ? 'timeout' : 'error', {
          cause: err,
        });
      }
      if (answer.statusCode === 401) {
        throw new IntrospectionUnavailableError('rejected', {
          cause: new Error('tollgate refused the introspection client credentials (401)'),
        });
      }
      if (answer.statusCode !== 200) {
        throw new IntrospectionUnavailableError('error', {
          cause: new Error(`tollgate answered introspection with HTTP ${answer.statusCode}`),
        });
      }
      const json = answer.json as { active?: unknown; sub?: unknown; sid?: unknown } | null;
      if (typeof json !== 'object' || json === null || typeof json.active !== 'boolean') {
        throw new IntrospectionUnavailableError('error', {
          cause: new Error('the introspection answer has no boolean "active"'),
        });
      }
      if (json.active && json.sub === claims.sub && json.sid === claims.sid) return;
      throw new SessionEndedError();
    },
    async close(): Promise<void> {
      // Requests in flight end by their own deadline; past it, connections are cut.
      await withTimeout(pool.close(), timeoutMs, () => new Error('close timed out')).catch(() =>
        pool.destroy(),
      );
    },
  };
}
