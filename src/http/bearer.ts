/**
 * The HTTP side of bearer authentication: the `Authorization: Bearer <token>` header
 * parsed in one place, for access tokens and for the operations token alike.
 */
import type { FastifyRequest } from 'fastify';
import { InvalidAuthorizationError, InvalidTokenError } from '../errors.js';

const BEARER = /^Bearer +([^\s]+)\s*$/i;

/** The token of a `Bearer` header, or undefined when the header is absent or not Bearer. */
export function parseBearer(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  return BEARER.exec(authorization)?.[1];
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
    if (raw[i]!.length === 13 && raw[i]!.toLowerCase() === 'authorization') seen++;
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
