/**
 * `introspect` mode: one RFC 7662 call to tollgate's `POST /oauth/introspect` per
 * request (form-encoded `token=…`, HTTP Basic client authentication). The request is
 * accepted only when tollgate answers `active: true` for the same `sub` and `sid` the
 * token carries. Nothing is cached.
 *
 * How the call travels is a transport: a pool of keep-alive connections in Node
 * (`introspect-undici.ts`), the platform's `fetch` in an edge runtime
 * (`introspect-fetch.ts`). This file has the parts both share and uses only Web APIs.
 */
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

/** What a transport hands back: the status and, for a 200, the parsed JSON body. */
export interface IntrospectionAnswer {
  statusCode: number;
  json: unknown;
}

/** One way of sending the introspection request. */
export interface IntrospectionTransport {
  /** Sends `body` with these headers; rejects on a network error or when `signal` aborts. */
  post(body: string, headers: Record<string, string>, signal: AbortSignal): Promise<IntrospectionAnswer>;
  /** True for errors of a reused connection the server had just closed: safe to send again once. */
  isStaleConnection(err: unknown): boolean;
  close(timeoutMs: number): Promise<void>;
}

export type IntrospectionTransportFactory = (options: IntrospectionOptions) => IntrospectionTransport;

/** Largest introspection answer read, in bytes. */
export const MAX_ANSWER_BYTES = 64 * 1024;

class IntrospectionTimeout extends Error {}

/** RFC 6749 §2.3.1: the client id and secret are form-encoded before Base64. */
function formEncode(value: string): string {
  return new URLSearchParams([['', value]]).toString().slice(1);
}

/** Base64 of the UTF-8 bytes of `text`, with Web APIs only. */
function base64(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** The `Authorization: Basic …` value for an introspection client. */
export function basicAuthorization(clientId: string, clientSecret: string): string {
  return `Basic ${base64(`${formEncode(clientId)}:${formEncode(clientSecret)}`)}`;
}

export function introspectionSessionCheck(
  options: IntrospectionOptions,
  transport: IntrospectionTransport,
): SessionCheck {
  const { timeoutMs } = options;
  const headers = {
    authorization: basicAuthorization(options.clientId, options.clientSecret),
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };

  async function ask(token: string): Promise<IntrospectionAnswer> {
    const body = `token=${encodeURIComponent(token)}&token_type_hint=access_token`;
    const controller = new AbortController();
    const deadline = Date.now() + timeoutMs;
    const attempt = transport.post(body, headers, controller.signal).catch((err: unknown) => {
      // One resend when a reused connection turned out closed, within the same deadline.
      if (transport.isStaleConnection(err) && !controller.signal.aborted && Date.now() < deadline) {
        return transport.post(body, headers, controller.signal);
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
      let answer: IntrospectionAnswer;
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
    close: () => transport.close(timeoutMs),
  };
}
