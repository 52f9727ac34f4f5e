/**
 * `createVerifier(options)`: the whole check a resource server runs per request.
 *
 * 1. The bearer token is read (one `Authorization: Bearer <token>` header).
 * 2. The JWT is verified locally against tollgate's key set.
 * 3. The session is checked at tollgate, by introspection or in Redis, on every
 *    request: once tollgate's logout has answered, the next request is refused.
 *
 * Anything that cannot be checked in time is refused with a 503 error, never accepted.
 *
 * Web APIs only: the Node entry (`verifier.ts`) and the edge entry (`edge.ts`) differ in
 * the transport introspection uses.
 */
import { tokenFromHeaderOrToken, tokenFromRequest, type RequestLike } from './authorization.js';
import { JwksCache } from './jwks-cache.js';
import { verifyJwt, type TollgateClaims } from './jwt.js';
import { resolveOptions, type VerifierOptions } from './options.js';
import type { SessionCheck } from './session-check.js';
import { VerifiedTokenCache } from './verified-cache.js';
import { introspectionSessionCheck, type IntrospectionTransportFactory } from './session-introspect.js';
import { redisSessionCheck } from './session-redis.js';

export interface Verifier {
  /** `introspect` or `redis`. */
  readonly mode: 'introspect' | 'redis';
  /**
   * Verifies an `Authorization` header value (`Bearer eyJ…`) or a bare token. Resolves
   * with the token's claims; rejects with a `VerifyError` subclass.
   */
  verify(authorizationOrToken: string | undefined): Promise<TollgateClaims>;
  /**
   * Verifies a Node HTTP request: exactly one `Authorization: Bearer` header (a second
   * one is a 400 `AuthorizationDuplicateError`).
   */
  verifyRequest(request: RequestLike): Promise<TollgateClaims>;
  /** Fetches tollgate's key set now, so a wrong URL shows at start-up. */
  ready(): Promise<void>;
  /** Closes the connections this verifier opened (not your Redis client). */
  close(): Promise<void>;
}

export function buildVerifier(options: VerifierOptions, transport: IntrospectionTransportFactory): Verifier {
  const resolved = resolveOptions(options);
  const keys = new JwksCache(resolved.jwks);
  const jwtOptions = {
    issuer: resolved.issuer,
    audience: resolved.audience,
    algorithms: resolved.algorithms,
    clockToleranceSeconds: resolved.clockToleranceSeconds,
  };
  const session: SessionCheck =
    resolved.session.mode === 'introspect'
      ? introspectionSessionCheck(resolved.session, transport(resolved.session))
      : redisSessionCheck(resolved.session);

  const verified = new VerifiedTokenCache(resolved.verifiedCacheSize, resolved.clockToleranceSeconds);

  async function verifyToken(token: string): Promise<TollgateClaims> {
    let claims = verified.get(token, keys.generation);
    if (!claims) {
      const generation = keys.generation;
      claims = await verifyJwt(token, keys.getKey, jwtOptions);
      // Remembered with the key-set copy it was checked against; not when that is unclear.
      if (keys.generation === generation) verified.set(token, claims, generation);
    }
    await session.check(token, claims);
    return claims;
  }

  let closed: Promise<void> | undefined;
  return Object.freeze({
    mode: resolved.session.mode,
    async verify(authorizationOrToken: string | undefined) {
      return verifyToken(tokenFromHeaderOrToken(authorizationOrToken));
    },
    async verifyRequest(request: RequestLike) {
      return verifyToken(tokenFromRequest(request));
    },
    ready: () => keys.ready(),
    close() {
      closed ??= session.close();
      return closed;
    },
  });
}
