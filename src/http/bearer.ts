/**
 * The HTTP side of bearer authentication: the `Authorization: Bearer <token>` header
 * parsed in one place, for access tokens and for the operations token alike.
 */
import type { FastifyRequest } from 'fastify';
import { InvalidTokenError } from '../errors.js';

const BEARER = /^Bearer +([^\s]+)\s*$/i;

/** The token of a `Bearer` header, or undefined when the header is absent or not Bearer. */
export function parseBearer(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  return BEARER.exec(authorization)?.[1];
}

/** The access token of a request; InvalidTokenError (401) when missing or malformed. */
export function bearerTokenOf(request: FastifyRequest): string {
  const authorization = request.headers.authorization;
  if (!authorization) throw new InvalidTokenError('Missing bearer token');
  const token = parseBearer(authorization);
  if (token === undefined) throw new InvalidTokenError('The Authorization header must be "Bearer <token>"');
  return token;
}
