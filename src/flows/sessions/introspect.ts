/**
 * RFC 7662 token introspection for resource servers: a token is `active` only when it
 * is one of tollgate's access tokens (signature, typ, iss, aud, exp) AND its session is
 * alive in the store, the same check as tollgate's own protected routes. Anything else
 * (a refresh token, garbage, an expired or logged-out token) is `{active: false}`. When
 * the store cannot answer, StoreUnavailableError goes through (503): never `active: true`
 * for a session that could not be checked.
 */
import { InvalidTokenError } from '../../errors.js';
import { authenticate } from './authenticate.js';
import type { FlowDeps } from '../deps.js';

export interface ActiveToken {
  active: true;
  sub: string;
  sid: string;
  email: string;
  iss: string;
  aud: string | string[];
  exp: number;
  iat: number;
  jti: string;
  token_type: 'Bearer';
}

export type Introspection = { active: false } | ActiveToken;

export async function introspect(
  deps: Pick<FlowDeps, 'store' | 'keys' | 'tokenOptions' | 'verified' | 'lastTouched'>,
  token: string,
): Promise<Introspection> {
  try {
    const c = await authenticate(deps, token);
    return {
      active: true,
      sub: c.sub,
      sid: c.sid,
      email: c.email,
      iss: c.iss,
      aud: c.aud,
      exp: c.exp,
      iat: c.iat,
      jti: c.jti,
      token_type: 'Bearer',
    };
  } catch (err) {
    if (err instanceof InvalidTokenError) return { active: false };
    throw err;
  }
}
