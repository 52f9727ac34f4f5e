/**
 * Access tokens: JWTs (RFC 9068 `typ: at+jwt`) with `iss sub aud email sid jti iat exp`
 * plus the account's `roles` and `email_verified` and the session's `auth_time` and `amr`
 * (when and how the person last proved who they are: OpenID Connect, RFC 8176), signed with the current key and a
 * `kid`. Verification checks signature (allowlisted algorithms, key chosen by kid),
 * typ, iss, aud and exp; the caller then checks the session. Roles in a token are a hint
 * for clients: tollgate re-checks them in the database on every admin call.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors, type JWTHeaderParameters } from 'jose';
import { InvalidTokenError } from '../errors.js';
import type { KeySet } from './keys.js';

export interface AccessClaims {
  sub: string;
  email: string;
  sid: string;
  jti: string;
  iat: number;
  exp: number;
  iss: string;
  roles: string[];
  email_verified: boolean;
  /** When the session last proved the password or a factor (seconds); 0 when the token has none. */
  auth_time: number;
  /** RFC 8176 methods of that proof (pwd, otp, hwk, swk, user, mfa). */
  amr: string[];
  /** One audience, or several (TOKEN_AUDIENCE lists them). */
  aud: string | string[];
}

/** Who a token is for. */
export interface TokenSubject {
  uid: string;
  email: string;
  sid: string;
  roles: readonly string[];
  emailVerified: boolean;
  /** The session's last proof of identity (seconds since the epoch) and its methods. */
  authTime: number;
  amr: readonly string[];
}

export interface AccessTokenOptions {
  issuer: string;
  /**
   * What tokens are for (RFC 9068 `aud`, from TOKEN_AUDIENCE): signed as a string when
   * there is one, as an array otherwise; verify accepts a token naming any of them.
   */
  audience: readonly string[];
  ttlSeconds: number;
  /** Allowed clock skew on verify, seconds. */
  clockToleranceSeconds?: number;
}

export async function signAccessToken(
  keys: KeySet,
  opts: AccessTokenOptions,
  subject: TokenSubject,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<{ token: string; expiresIn: number }> {
  const token = await new SignJWT({
    email: subject.email,
    sid: subject.sid,
    roles: [...subject.roles],
    email_verified: subject.emailVerified,
    auth_time: subject.authTime,
    amr: [...subject.amr],
  })
    .setProtectedHeader({ alg: keys.signing.alg, kid: keys.signing.kid, typ: 'at+jwt' })
    .setIssuer(opts.issuer)
    .setAudience(opts.audience.length === 1 ? opts.audience[0]! : [...opts.audience])
    .setSubject(subject.uid)
    .setJti(randomUUID())
    .setIssuedAt(nowSeconds)
    .setExpirationTime(nowSeconds + opts.ttlSeconds)
    .sign(keys.signing.key);
  return { token, expiresIn: opts.ttlSeconds };
}

function isAudience(aud: unknown): aud is string | string[] {
  return typeof aud === 'string' || (Array.isArray(aud) && aud.every((a) => typeof a === 'string'));
}

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Verifies signature and claims. Throws InvalidTokenError for anything wrong. */
export async function verifyAccessToken(
  keys: KeySet,
  opts: AccessTokenOptions,
  token: string,
): Promise<AccessClaims> {
  if (token.length > 4096 || !JWT_SHAPE.test(token)) throw new InvalidTokenError();
  try {
    const { payload } = await jwtVerify(
      token,
      (header: JWTHeaderParameters) => {
        const k = header.kid === undefined ? undefined : keys.verification.get(header.kid);
        if (!k || k.alg !== header.alg) throw new InvalidTokenError();
        return k.key;
      },
      {
        issuer: opts.issuer,
        audience: [...opts.audience],
        algorithms: [...keys.algorithms],
        typ: 'at+jwt',
        requiredClaims: ['sub', 'aud', 'sid', 'jti', 'iat', 'exp', 'email'],
        clockTolerance: opts.clockToleranceSeconds ?? 5,
      },
    );
    const { sub, sid, email, jti, iat, exp, iss, roles, email_verified, aud, auth_time, amr } =
      payload as Record<string, unknown>;
    if (
      typeof sub !== 'string' ||
      typeof sid !== 'string' ||
      typeof email !== 'string' ||
      typeof jti !== 'string' ||
      typeof iat !== 'number' ||
      typeof exp !== 'number' ||
      typeof iss !== 'string' ||
      (roles !== undefined && !(Array.isArray(roles) && roles.every((r) => typeof r === 'string'))) ||
      (email_verified !== undefined && typeof email_verified !== 'boolean') ||
      (auth_time !== undefined && (typeof auth_time !== 'number' || !Number.isFinite(auth_time))) ||
      (amr !== undefined && !(Array.isArray(amr) && amr.every((m) => typeof m === 'string'))) ||
      !isAudience(aud)
    ) {
      throw new InvalidTokenError();
    }
    return {
      sub,
      sid,
      email,
      jti,
      iat,
      exp,
      iss,
      roles: roles ?? [],
      email_verified: email_verified ?? false,
      auth_time: auth_time ?? 0,
      amr: amr ?? [],
      aud,
    };
  } catch (err) {
    if (err instanceof InvalidTokenError) throw err;
    if (err instanceof joseErrors.JOSEError || err instanceof TypeError) throw new InvalidTokenError();
    throw err;
  }
}
