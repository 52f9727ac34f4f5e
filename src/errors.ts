/**
 * The one catalogue of tollgate errors. Every error the service can answer with has a
 * stable `code` (the `error` field of the JSON body), an HTTP status and, where the
 * client should come back later, a `retryAfterSeconds`. Messages never contain
 * tokens, passwords or stack traces.
 */
export type ErrorCode =
  | 'invalid_request'
  | 'email_taken'
  | 'registration_disabled'
  | 'invalid_credentials'
  | 'too_many_attempts'
  | 'invalid_grant'
  | 'invalid_token'
  | 'unauthorized'
  | 'not_found'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'unavailable'
  | 'internal_error';

export abstract class TollgateError extends Error {
  abstract readonly code: ErrorCode;
  abstract readonly statusCode: number;
  /** Seconds the client should wait before retrying (sent as `Retry-After`). */
  readonly retryAfterSeconds: number | undefined = undefined;
  /** Extra response headers (e.g. WWW-Authenticate). */
  readonly headers: Readonly<Record<string, string>> = {};

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class InvalidRequestError extends TollgateError {
  readonly code = 'invalid_request';
  /** 400, or another 4xx Fastify chose for a malformed request. */
  readonly statusCode: number;
  constructor(message: string, statusCode = 400) {
    super(message);
    this.statusCode = statusCode;
  }
}

export class EmailTakenError extends TollgateError {
  readonly code = 'email_taken';
  readonly statusCode = 409;
  constructor() {
    super('An account with this email already exists');
  }
}

export class RegistrationDisabledError extends TollgateError {
  readonly code = 'registration_disabled';
  readonly statusCode = 403;
  constructor() {
    super('Registration is disabled on this server');
  }
}

export class InvalidCredentialsError extends TollgateError {
  readonly code = 'invalid_credentials';
  readonly statusCode = 401;
  constructor() {
    super('Invalid email or password');
  }
}

export class TooManyAttemptsError extends TollgateError {
  readonly code = 'too_many_attempts';
  readonly statusCode = 429;
  override readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number) {
    super('Too many failed login attempts; try again later');
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterSeconds));
  }
}

export class InvalidGrantError extends TollgateError {
  readonly code = 'invalid_grant';
  readonly statusCode = 401;
  constructor(message = 'The refresh token is invalid, expired or revoked') {
    super(message);
  }
}

const BEARER_CHALLENGE = { 'WWW-Authenticate': 'Bearer error="invalid_token"' } as const;

export class InvalidTokenError extends TollgateError {
  readonly code = 'invalid_token';
  readonly statusCode = 401;
  override readonly headers = BEARER_CHALLENGE;
  constructor(message = 'The access token is missing, invalid, expired or revoked') {
    super(message);
  }
}

export class UnauthorizedError extends TollgateError {
  readonly code = 'unauthorized';
  readonly statusCode = 401;
  override readonly headers = { 'WWW-Authenticate': 'Bearer' } as const;
  constructor(message = 'This endpoint requires the operations token') {
    super(message);
  }
}

export class NotFoundError extends TollgateError {
  readonly code = 'not_found';
  readonly statusCode = 404;
}

export class PayloadTooLargeError extends TollgateError {
  readonly code = 'payload_too_large';
  readonly statusCode = 413;
}

export class UnsupportedMediaTypeError extends TollgateError {
  readonly code = 'unsupported_media_type';
  readonly statusCode = 415;
}

/**
 * The store (Redis or memory) could not answer in time. The API fails closed: 503 with
 * Retry-After, never a 200 for something it could not check.
 */
export class StoreUnavailableError extends TollgateError {
  readonly code = 'unavailable';
  readonly statusCode = 503;
  override readonly retryAfterSeconds: number = 1;
  /** Finer reason for logs and metrics: timeout, exhausted, disconnected, error. */
  readonly reason: 'timeout' | 'exhausted' | 'disconnected' | 'closed' | 'error';
  constructor(
    reason: StoreUnavailableError['reason'],
    message = 'The session store is unavailable; try again shortly',
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.reason = reason;
  }
}

/** A command did not complete within the command timeout. */
export class StoreTimeoutError extends StoreUnavailableError {
  constructor(message = 'The session store did not answer in time', options?: ErrorOptions) {
    super('timeout', message, options);
  }
}

/** Every pool connection was busy and the bounded wait queue was full or timed out. */
export class PoolExhaustedError extends StoreUnavailableError {
  constructor(message = 'The session store connection pool is exhausted', options?: ErrorOptions) {
    super('exhausted', message, options);
  }
}

/** Too many password checks in flight: shed at once rather than queue past any use. */
export class OverloadedError extends TollgateError {
  readonly code = 'unavailable';
  readonly statusCode = 503;
  override readonly retryAfterSeconds: number = 1;
  constructor() {
    super('The server is busy checking passwords; try again shortly');
  }
}

export class InternalError extends TollgateError {
  readonly code = 'internal_error';
  readonly statusCode = 500;
  constructor() {
    super('Internal server error');
  }
}

/** Start-up configuration problem; the message names the variable. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

export function isTollgateError(err: unknown): err is TollgateError {
  return err instanceof TollgateError;
}

/**
 * A secret sealed at rest (e.g. a TOTP secret) could not be opened: the stored value is
 * malformed, was sealed under a key that is no longer configured, or was altered (or
 * belongs to another record). Clients only ever see a 500; `reason` is for logs.
 */
export class SecretDecryptError extends TollgateError {
  readonly code = 'internal_error';
  readonly statusCode = 500;
  readonly reason: 'malformed' | 'unknown_key' | 'tampered';
  constructor(reason: SecretDecryptError['reason']) {
    super(
      reason === 'unknown_key'
        ? 'A stored secret was sealed under a key that is not configured'
        : reason === 'malformed'
          ? 'A stored secret is malformed'
          : 'A stored secret failed authentication',
    );
    this.reason = reason;
  }
}
