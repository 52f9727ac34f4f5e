/**
 * HTTP Basic client authentication of the OAuth endpoints (RFC 6749 §2.3.1): the client
 * id and secret are each form-urlencoded, joined by ":" and Base64-encoded.
 */
import type { FastifyRequest } from 'fastify';
import { authorizationOf } from './bearer.js';

export interface ClientSecretBasic {
  id: string;
  secret: string;
}

const BASIC = /^Basic +([A-Za-z0-9+/]+={0,2})\s*$/i;

/** `application/x-www-form-urlencoded` decoding of one value; undefined when malformed. */
function formDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/** The credentials of a `Basic` Authorization header, or undefined when absent or malformed. */
export function parseBasic(authorization: string | undefined): ClientSecretBasic | undefined {
  if (!authorization) return undefined;
  const encoded = BASIC.exec(authorization)?.[1];
  if (encoded === undefined) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  const id = formDecode(decoded.slice(0, colon));
  const secret = formDecode(decoded.slice(colon + 1));
  if (!id || !secret) return undefined;
  return { id, secret };
}

/** The request's Basic credentials (400 when it has two Authorization headers). */
export function basicCredentialsOf(request: FastifyRequest): ClientSecretBasic | undefined {
  return parseBasic(authorizationOf(request));
}
