/**
 * @tollgate/client: the tollgate API, typed. Paths, methods, bodies, parameters and
 * answers come from tollgate's OpenAPI document (`schema.ts`, generated); requests are
 * made by openapi-fetch with the platform's `fetch` (Node 20.19+, browsers, edge
 * runtimes).
 *
 *   const tollgate = createTollgateClient({ baseUrl: 'https://auth.example.com' });
 *   const { data, error } = await tollgate.POST('/auth/login', { body: { email, password } });
 *
 * Every call resolves with either `data` (a 2xx answer, typed per path) or `error`
 * (tollgate's `{error, message}` body, typed); it rejects only when no answer came
 * (network failure, abort).
 */
import createClient, { type Client, type ClientOptions, type Middleware } from 'openapi-fetch';
import type { components, operations, paths } from './schema.js';

export type { components, operations, paths };

/** tollgate's error body: `{"error": "<stable code>", "message": "<text>"}` (docs/errors.md). */
export type ErrorBody = components['schemas']['Error'];
/** The stable error codes tollgate answers with. */
export type ErrorCode = ErrorBody['error'];

/** The client: `GET`, `POST`, `PUT`, `PATCH`, `DELETE` … on tollgate's paths. */
export type TollgateClient = Client<paths>;

/** An access token, or a function giving the current one (e.g. from your session store). */
export type AccessTokenSource = string | (() => string | undefined | Promise<string | undefined>);

export interface TollgateClientOptions extends Omit<ClientOptions, 'baseUrl'> {
  /** tollgate's public URL, e.g. `https://auth.example.com` (its PUBLIC_URL). */
  baseUrl: string | URL;
  /**
   * Sent as `Authorization: Bearer <token>` on every request that sets no
   * Authorization header itself. Leave it out for calls that need none (login, register).
   */
  accessToken?: AccessTokenSource;
}

/** Adds the bearer token to requests that carry no Authorization header of their own. */
export function bearerAuth(source: AccessTokenSource): Middleware {
  return {
    async onRequest({ request }) {
      if (request.headers.has('authorization')) return undefined;
      const token = typeof source === 'function' ? await source() : source;
      if (token) request.headers.set('authorization', `Bearer ${token}`);
      return request;
    },
  };
}

export function createTollgateClient(options: TollgateClientOptions): TollgateClient {
  const { baseUrl, accessToken, ...rest } = options;
  let url: URL;
  try {
    url = new URL(baseUrl instanceof URL ? baseUrl.href : String(baseUrl));
  } catch {
    throw new TypeError('@tollgate/client: "baseUrl" must be an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError('@tollgate/client: "baseUrl" must be an http(s) URL');
  }
  const client = createClient<paths>({ ...rest, baseUrl: url.href.replace(/\/+$/, '') });
  if (accessToken !== undefined) client.use(bearerAuth(accessToken));
  return client;
}
