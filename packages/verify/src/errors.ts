/**
 * Every way `verify()` can refuse a request, one class per cause. Each error has a
 * stable `code` (for your logs and `instanceof`-free checks), the HTTP `statusCode` to
 * answer with, the wire `error` code and the response `headers`, so a service answers
 * exactly as tollgate does: `{"error": "<code>", "message": "<text>"}`.
 *
 * - 401 `invalid_token` (+ `WWW-Authenticate: Bearer error="invalid_token"`): the token
 *   is missing, malformed, forged, expired, or its session has ended.
 * - 400 `invalid_request`: more than one Authorization header.
 * - 503 `unavailable` (+ `Retry-After`): the keys, the introspection endpoint or Redis
 *   could not answer in time. The request is refused, never let through.
 *
 * Messages are safe to send to the client: they never contain the token.
 */

/** The `error` field of the JSON body. */
export type WireErrorCode = 'invalid_token' | 'invalid_request' | 'unavailable';

/** The JSON body tollgate and this package answer with. */
export interface ErrorBody {
  error: WireErrorCode;
  message: string;
}

/** What an HTTP adapter sends for an error. */
export interface ErrorResponse {
  statusCode: number;
  headers: Readonly<Record<string, string>>;
  body: ErrorBody;
}

export abstract class VerifyError extends Error {
  /** Stable code of this cause, e.g. `ERR_TOKEN_EXPIRED`. */
  abstract readonly code: string;
  /** The `error` field of the response body. */
  abstract readonly error: WireErrorCode;
  abstract readonly statusCode: number;
  abstract readonly headers: Readonly<Record<string, string>>;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }

  /** Status, headers and JSON body to answer the request with. */
  toResponse(): ErrorResponse {
    return {
      statusCode: this.statusCode,
      headers: this.headers,
      body: { error: this.error, message: this.message },
    };
  }
}

const BEARER_INVALID_TOKEN = Object.freeze({ 'WWW-Authenticate': 'Bearer error="invalid_token"' });

/** 401 `invalid_token`: the parent of every cause that makes a token unacceptable. */
export abstract class InvalidTokenError extends VerifyError {
  readonly error = 'invalid_token';
  readonly statusCode = 401;
  readonly headers: Readonly<Record<string, string>> = BEARER_INVALID_TOKEN;
}

export class TokenMissingError extends InvalidTokenError {
  readonly code = 'ERR_TOKEN_MISSING';
  constructor() {
    super('Missing bearer token');
  }
}

export class AuthorizationMalformedError extends InvalidTokenError {
  readonly code = 'ERR_AUTHORIZATION_MALFORMED';
  constructor() {
    super('The Authorization header must be "Bearer <token>"');
  }
}

export class TokenMalformedError extends InvalidTokenError {
  readonly code = 'ERR_TOKEN_MALFORMED';
  constructor(options?: ErrorOptions) {
    super('The access token is not a well-formed JWT', options);
  }
}

export class TokenAlgorithmError extends InvalidTokenError {
  readonly code = 'ERR_TOKEN_ALGORITHM';
  constructor(options?: ErrorOptions) {
    super('The access token is signed with an algorithm this service does not accept', options);
  }
}

/** The token names a key (`kid`) that tollgate's key set does not hold, or names none. */
export class TokenKeyUnknownError extends InvalidTokenError {
  readonly code = 'ERR_TOKEN_KEY_UNKNOWN';
  constructor(options?: ErrorOptions) {
    super('The access token was signed with an unknown key', options);
  }
}

export class TokenSignatureError extends InvalidTokenError {
  readonly code = 'ERR_TOKEN_SIGNATURE';
  constructor(options?: ErrorOptions) {
    super('The access token signature is invalid', options);
  }
}

export class TokenExpiredError extends InvalidTokenError {
  readonly code = 'ERR_TOKEN_EXPIRED';
  constructor(options?: ErrorOptions) {
    super('The access token has expired', options);
  }
}

/** A claim (or the `typ` header) is missing or has the wrong value; `claim` names it. */
export class TokenClaimError extends InvalidTokenError {
  readonly code = 'ERR_TOKEN_CLAIM_INVALID';
  constructor(
    readonly claim: string,
    options?: ErrorOptions,
  ) {
    super(
      claim === 'typ'
        ? 'The token is not an access token (its "typ" must be "at+jwt")'
        : `The access token claim "${claim}" is missing or invalid`,
      options,
    );
  }
}

/** The signature and claims are fine, but tollgate says the session has ended (logout). */
export class SessionEndedError extends InvalidTokenError {
  readonly code = 'ERR_SESSION_ENDED';
  constructor() {
    super('The session of this access token has ended');
  }
}

/** 400 `invalid_request`: the request carries more than one Authorization header. */
export class AuthorizationDuplicateError extends VerifyError {
  readonly code = 'ERR_AUTHORIZATION_DUPLICATE';
  readonly error = 'invalid_request';
  readonly statusCode = 400;
  readonly headers: Readonly<Record<string, string>> = Object.freeze({
    'WWW-Authenticate': 'Bearer error="invalid_request"',
  });
  constructor() {
    super('Send exactly one Authorization header');
  }
}

/** Why a dependency could not answer: it timed out, failed, or refused our credentials. */
export type UnavailableReason = 'timeout' | 'error' | 'rejected';

/** Seconds a client is told to wait after a 503. */
export const RETRY_AFTER_SECONDS = 1;

const RETRY_AFTER = Object.freeze({ 'Retry-After': String(RETRY_AFTER_SECONDS) });

/**
 * 503 `unavailable`: something the check depends on did not answer in time. The
 * request is refused (fail closed). `reason` and `cause` say why, for your logs.
 */
export abstract class UnavailableError extends VerifyError {
  readonly error = 'unavailable';
  readonly statusCode = 503;
  readonly headers: Readonly<Record<string, string>> = RETRY_AFTER;
  readonly retryAfterSeconds = RETRY_AFTER_SECONDS;
  constructor(
    readonly reason: UnavailableReason,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export class JwksUnavailableError extends UnavailableError {
  readonly code = 'ERR_JWKS_UNAVAILABLE';
  constructor(reason: UnavailableReason, options?: ErrorOptions) {
    super(reason, 'The token signing keys could not be fetched; try again shortly', options);
  }
}

export class IntrospectionUnavailableError extends UnavailableError {
  readonly code = 'ERR_INTROSPECTION_UNAVAILABLE';
  constructor(reason: UnavailableReason, options?: ErrorOptions) {
    super(reason, 'The session could not be checked; try again shortly', options);
  }
}

export class SessionStoreUnavailableError extends UnavailableError {
  readonly code = 'ERR_SESSION_STORE_UNAVAILABLE';
  constructor(reason: UnavailableReason, options?: ErrorOptions) {
    super(reason, 'The session store is unavailable; try again shortly', options);
  }
}

export function isVerifyError(err: unknown): err is VerifyError {
  return err instanceof VerifyError;
}
