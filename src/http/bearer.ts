/**
 * The HTTP side of bearer authentication: the `Authorization: Bearer <token>` header
 * parsed in one place, for access tokens and for the operations token alike.
 */
import type { FastifyRequest } from 'fastify';
import { InvalidAuthorizationError, InvalidTokenError } from '../errors.js';

/** "bearer", as lower-case char codes: the scheme is compared without a regex or a copy. */
const SCHEME = [0x62, 0x65, 0x61, 0x72, 0x65, 0x72];
const SPACE = 0x20;

/** What `\s` matches in a regular expression (ECMAScript WhiteSpace and LineTerminator). */
function isWhitespace(c: number): boolean {
  return (
    c === SPACE ||
    (c >= 0x09 && c <= 0x0d) ||
    (c > 0x7f &&
      (c === 0xa0 ||
        c === 0x1680 ||
        (c >= 0x2000 && c <= 0x200a) ||
        c === 0x2028 ||
        c === 0x2029 ||
        c === 0x202f ||
        c === 0x205f ||
        c === 0x3000 ||
        c === 0xfeff))
  );
}

/**
 * The token of a `Bearer` header, or undefined when the header is absent or not Bearer:
 * the scheme in any case, one or more spaces, the token (no whitespace in it), then
 * nothing but whitespace. The same grammar as `/^Bearer +(\S+)\s*$/i`, read by hand
 * because it runs on every request.
 */
export function parseBearer(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const n = authorization.length;
  if (n < 8) return undefined;
  for (let i = 0; i < SCHEME.length; i++) {
    // `| 0x20` lower-cases ASCII letters; only B/b, E/e, A/a, R/r map to these codes.
    if ((authorization.charCodeAt(i) | 0x20) !== SCHEME[i]) return undefined;
  }
  let start = SCHEME.length;
  if (authorization.charCodeAt(start) !== SPACE) return undefined;
  while (start < n && authorization.charCodeAt(start) === SPACE) start++;
  let end = start;
  while (end < n && !isWhitespace(authorization.charCodeAt(end))) end++;
  if (end === start) return undefined;
  for (let i = end; i < n; i++) if (!isWhitespace(authorization.charCodeAt(i))) return undefined;
  return authorization.slice(start, end);
}

const AUTHORIZATION = 'authorization';

/** `name` is "authorization" in any case, without lower-casing a copy. */
function isAuthorization(name: string): boolean {
  if (name.length !== AUTHORIZATION.length) return false;
  for (let i = 0; i < AUTHORIZATION.length; i++) {
    if ((name.charCodeAt(i) | 0x20) !== AUTHORIZATION.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * The one Authorization header of a request. Node keeps the first of duplicates and
 * drops the rest; which one a proxy in front would have used is anyone's guess, so two
 * are refused (400) rather than silently picked from.
 */
export function authorizationOf(request: FastifyRequest): string | undefined {
  const raw = request.raw.rawHeaders;
  let seen = 0;
  for (let i = 0; i < raw.length; i += 2) {
    if (isAuthorization(raw[i]!)) seen++;
  }
  if (seen > 1) throw new InvalidAuthorizationError('Send exactly one Authorization header');
  return request.headers.authorization;
}

/** The access token of a request; InvalidTokenError (401) when missing or malformed. */
export function bearerTokenOf(request: FastifyRequest): string {
  const authorization = authorizationOf(request);
  if (!authorization) throw new InvalidTokenError('Missing bearer token');
  const token = parseBearer(authorization);
  if (token === undefined) throw new InvalidTokenError('The Authorization header must be "Bearer <token>"');
  return token;
}
