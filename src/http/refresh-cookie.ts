/**
 * REFRESH_COOKIE=on: the refresh token travels only in an httpOnly, Secure,
 * SameSite=Strict cookie scoped to `Path=/auth`, so page scripts never hold it. Login
 * and refresh set it (their JSON carries no refresh token), refresh and logout read
 * it, logout and logout-all clear it. A call authenticated by the cookie must come with
 * an allowed `Origin` (CORS_ORIGINS, or PUBLIC_URL's own): a browser attaches cookies by
 * itself, so without this check another page could make it spend the cookie (CSRF).
 * With the setting off, nothing here touches a request.
 */
import cookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TokenPair } from '../flows/deps.js';
import type { Config } from '../config/schema.js';
import { InvalidGrantError, OriginNotAllowedError } from '../errors.js';
import { tokenPair } from './schemas/common.js';

export const REFRESH_COOKIE_NAME = 'tollgate_refresh';
const COOKIE_PATH = '/auth';

/** What login and refresh answer in cookie mode: the token pair without its refresh token. */
export type BrowserTokenPair = Omit<TokenPair, 'refresh_token'>;

export const browserTokenPair = {
  type: 'object',
  required: ['access_token', 'token_type', 'expires_in'],
  properties: {
    access_token: tokenPair.properties.access_token,
    token_type: tokenPair.properties.token_type,
    expires_in: tokenPair.properties.expires_in,
  },
} as const;

export interface RefreshCookie {
  readonly enabled: boolean;
  /** The response schema of login and refresh in this mode. */
  readonly pairSchema: typeof tokenPair | typeof browserTokenPair;
  /** Cookie parsing and setting for the routes of `scope` (cookie mode only). */
  register(scope: FastifyInstance): Promise<void>;
  /** The body of a token-pair answer; in cookie mode the refresh token goes into the cookie instead. */
  deliver(reply: FastifyReply, pair: TokenPair): TokenPair | BrowserTokenPair;
  /** True when the request carries the refresh cookie (cookie mode only). */
  present(request: FastifyRequest): boolean;
  /**
   * The refresh token of a cookie-authenticated call: InvalidGrantError (401) when there
   * is no cookie, OriginNotAllowedError (403) when its Origin is not allowed.
   */
  read(request: FastifyRequest): string;
  /** Tells the browser to drop the cookie (cookie mode only). */
  clear(reply: FastifyReply): void;
}

/** Origins a cookie-authenticated call may come from: CORS_ORIGINS and PUBLIC_URL's own. */
export function cookieOrigins(config: Pick<Config, 'corsOrigins' | 'publicUrl'>): ReadonlySet<string> {
  return new Set([...config.corsOrigins, new URL(config.publicUrl).origin]);
}

export function refreshCookie(
  config: Pick<Config, 'refreshCookie' | 'corsOrigins' | 'publicUrl' | 'jwt'>,
): RefreshCookie {
  const enabled = config.refreshCookie;
  const origins = cookieOrigins(config);
  const attributes = {
    httpOnly: true,
    secure: true,
    sameSite: 'strict',
    path: COOKIE_PATH,
  } as const;
  const valueOf = (request: FastifyRequest): string | undefined => {
    const value = request.cookies?.[REFRESH_COOKIE_NAME];
    return value ? value : undefined;
  };

  return {
    enabled,
    pairSchema: enabled ? browserTokenPair : tokenPair,
    async register(scope) {
      if (enabled) await scope.register(cookie, { hook: 'onRequest' });
    },
    deliver(reply, pair) {
      if (!enabled) return pair;
      void reply.setCookie(REFRESH_COOKIE_NAME, pair.refresh_token, {
        ...attributes,
        maxAge: config.jwt.refreshTokenTtl,
      });
      const { refresh_token: _inCookie, ...body } = pair;
      return body;
    },
    present(request) {
      return enabled && valueOf(request) !== undefined;
    },
    read(request) {
      const token = enabled ? valueOf(request) : undefined;
      if (token === undefined) throw new InvalidGrantError('No refresh token cookie was sent');
      const origin = request.headers.origin;
      if (origin === undefined || !origins.has(origin)) throw new OriginNotAllowedError();
      return token;
    },
    clear(reply) {
      if (enabled) void reply.clearCookie(REFRESH_COOKIE_NAME, attributes);
    },
  };
}
