/**
 * The local half of verification: signature (allowlisted algorithm, key by `kid` from
 * tollgate's key set), `typ: at+jwt` (RFC 9068), `iss`, `aud`, `exp` with a small clock
 * tolerance, and the claims tollgate always sets. No network unless the key set needs
 * fetching.
 */
import { errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import {
  TokenAlgorithmError,
  TokenClaimError,
  TokenExpiredError,
  TokenMalformedError,
  TokenSignatureError,
  VerifyError,
} from './errors.js';

/** The claims of a verified tollgate access token. */
export interface TollgateClaims {
  /** Issuer: tollgate's `TOKEN_ISSUER`. */
  readonly iss: string;
  /** The user id. */
  readonly sub: string;
  /** Audience: tollgate's `TOKEN_AUDIENCE`. */
  readonly aud: string | readonly string[];
  /** The session id; the session check asks whether it is still alive. */
  readonly sid: string;
  /** Unique id of this token. */
  readonly jti: string;
  /** Issued at, seconds since the epoch. */
  readonly iat: number;
  /** Expires at, seconds since the epoch. */
  readonly exp: number;
  readonly email?: string;
  readonly roles?: readonly string[];
  readonly email_verified?: boolean;
  readonly amr?: readonly string[];
  /** Any other claim the token carries. */
  readonly [claim: string]: unknown;
}

export interface JwtCheckOptions {
  issuer: string;
  audience: string | readonly string[];
  algorithms: readonly string[];
  clockToleranceSeconds: number;
}

/** Longest token accepted, as tollgate does. */
export const MAX_TOKEN_LENGTH = 4096;
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const REQUIRED_CLAIMS = ['iss', 'sub', 'aud', 'sid', 'jti', 'iat', 'exp'];

function nonEmptyString(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0;
}

export async function verifyJwt(
  token: string,
  getKey: JWTVerifyGetKey,
  options: JwtCheckOptions,
): Promise<TollgateClaims> {
  if (token.length > MAX_TOKEN_LENGTH || !JWT_SHAPE.test(token)) throw new TokenMalformedError();
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, getKey, {
      issuer: options.issuer,
      audience: [...(typeof options.audience === 'string' ? [options.audience] : options.audience)],
      algorithms: [...options.algorithms],
      typ: 'at+jwt',
      requiredClaims: REQUIRED_CLAIMS,
      clockTolerance: options.clockToleranceSeconds,
    }));
  } catch (err) {
    throw mapJoseError(err);
  }
  const { sub, sid, jti, iat, exp } = payload;
  if (!nonEmptyString(sub)) throw new TokenClaimError('sub');
  if (!nonEmptyString(sid)) throw new TokenClaimError('sid');
  if (!nonEmptyString(jti)) throw new TokenClaimError('jti');
  if (typeof iat !== 'number') throw new TokenClaimError('iat');
  if (typeof exp !== 'number') throw new TokenClaimError('exp');
  return Object.freeze(payload) as TollgateClaims;
}

function mapJoseError(err: unknown): Error {
  if (err instanceof VerifyError) return err;
  if (err instanceof joseErrors.JWTExpired) return new TokenExpiredError({ cause: err });
  if (err instanceof joseErrors.JWTClaimValidationFailed)
    return new TokenClaimError(err.claim, { cause: err });
  if (err instanceof joseErrors.JWSSignatureVerificationFailed)
    return new TokenSignatureError({ cause: err });
  if (err instanceof joseErrors.JOSEAlgNotAllowed || err instanceof joseErrors.JOSENotSupported) {
    return new TokenAlgorithmError({ cause: err });
  }
  if (err instanceof joseErrors.JOSEError || err instanceof TypeError)
    return new TokenMalformedError({ cause: err });
  return err instanceof Error ? err : new Error(String(err));
}
