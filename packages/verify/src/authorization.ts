/**
 * Reads the bearer token from an Authorization header, with tollgate's own rules:
 * `Bearer <token>` (scheme case-insensitive), exactly one header per request, a
 * JWT-shaped token of at most 4096 characters.
 */
import { AuthorizationDuplicateError, AuthorizationMalformedError, TokenMissingError } from './errors.js';

const BEARER = /^Bearer +(\S+)\s*$/i;
/** A header value with a scheme (`<scheme> <credentials>`), as opposed to a bare token. */
const HAS_SCHEME = /^\S+\s/;

/** The parts of an HTTP request this package reads (Node's IncomingMessage has them). */
export interface RequestLike {
  /** Raw header names and values, alternating, as Node receives them. */
  readonly rawHeaders?: readonly string[];
  readonly headers?: { readonly authorization?: string | undefined };
}

/** The token of an `Authorization: Bearer <token>` header value. */
export function tokenFromAuthorization(header: string | undefined): string {
  if (header === undefined || header.trim() === '') throw new TokenMissingError();
  const m = BEARER.exec(header.trim());
  if (!m) throw new AuthorizationMalformedError();
  return m[1]!;
}

/**
 * Accepts either a whole header value (`Bearer eyJ…`) or a bare token (`eyJ…`). A
 * value with any other scheme is malformed.
 */
export function tokenFromHeaderOrToken(value: string | undefined): string {
  if (value === undefined || value.trim() === '') throw new TokenMissingError();
  const v = value.trim();
  return HAS_SCHEME.test(v) ? tokenFromAuthorization(v) : v;
}

/**
 * Every Authorization header of a request. Node keeps only the first of duplicated
 * Authorization headers in `headers`, so duplicates are found in `rawHeaders`.
 */
export function authorizationValues(req: RequestLike): string[] {
  const raw = req.rawHeaders;
  if (raw) {
    const values: string[] = [];
    for (let i = 0; i + 1 < raw.length; i += 2) {
      if (raw[i]!.length === 13 && raw[i]!.toLowerCase() === 'authorization') values.push(raw[i + 1]!);
    }
    return values;
  }
  const single = req.headers?.authorization;
  return single === undefined ? [] : [single];
}

/** The bearer token of a request: exactly one well-formed `Authorization: Bearer` header. */
export function tokenFromRequest(req: RequestLike): string {
  const values = authorizationValues(req);
  if (values.length > 1) throw new AuthorizationDuplicateError();
  return tokenFromAuthorization(values[0]);
}
