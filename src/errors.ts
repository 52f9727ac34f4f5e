/**
 * The one catalogue of tollgate errors. Every error the service answers with is a
 * `TollgateError`: a stable wire `code` (the `error` field of the JSON body) that names
 * exactly one cause, an HTTP status and, where the client should come back later, a
 * `retryAfterSeconds`. Messages are public: they never contain tokens, passwords, stack
 * traces or internals. docs/errors.md lists every code.
 */
/** Every stable code (the `error` field of an error body); docs/errors.md describes each. */
export const ERROR_CODES = [
  'invalid_request',
  'weak_password',
  'email_taken',
  'last_sign_in_method',
  'registration_disabled',
  'invalid_credentials',
  'too_many_attempts',
  'invalid_grant',
  'invalid_token',
  'invalid_client',
  'reauthentication_required',
  'unauthorized',
  'forbidden',
  'account_disabled',
  'email_not_verified',
  'feature_disabled',
  'invalid_code',
  'mfa_already_enabled',
  'mfa_not_enabled',
  'origin_not_allowed',
  'not_found',
  'method_not_allowed',
  'request_timeout',
  'payload_too_large',
  'unsupported_media_type',
  'expectation_failed',
  'headers_too_large',
  'unavailable',
  'overloaded',
  'shutting_down',
  'internal_error',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

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

// --- 4xx: the request ------------------------------------------------------------

export class InvalidRequestError extends TollgateError {
  readonly code = 'invalid_request';
  readonly statusCode = 400;
}

/** A malformed Authorization header (RFC 6750 §3.1 `invalid_request`), e.g. sent twice. */
export class InvalidAuthorizationError extends TollgateError {
  readonly code = 'invalid_request';
  readonly statusCode = 400;
  override readonly headers = { 'WWW-Authenticate': 'Bearer error="invalid_request"' } as const;
}

/**
 * A new password the password policy refuses: too easy to guess, or known from a data
 * breach. The message says why, in words for the person choosing it; it never repeats
 * the password.
 */
export class WeakPasswordError extends TollgateError {
  readonly code = 'weak_password';
  readonly statusCode = 400;
  constructor(
    message: string,
    /** Which rule refused it (for logs and metrics). */
    readonly reason: 'guessable' | 'breached',
  ) {
    super(message);
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
  constructor(message = 'Invalid email or password') {
    super(message);
  }
}

/**
 * Removing this passkey would leave the account without any way to sign in (it has no
 * password and no other passkey).
 */
export class LastSignInMethodError extends TollgateError {
  readonly code = 'last_sign_in_method';
  readonly statusCode = 409;
  constructor() {
    super('This passkey is the only way to sign in to this account; add another passkey or a password first');
  }
}

export class TooManyAttemptsError extends TollgateError {
  readonly code = 'too_many_attempts';
  readonly statusCode = 429;
  override readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number, message = 'Too many failed login attempts; try again later') {
    super(message);
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

/**
 * A password-reset or email-verification token that is malformed, unknown, used or
 * expired (400: the link is at fault, not the caller's credentials).
 */
export class InvalidLinkTokenError extends TollgateError {
  readonly code = 'invalid_grant';
  readonly statusCode = 400;
  constructor(message = 'The link is invalid, expired or already used') {
    super(message);
  }
}

/**
 * A TOTP or recovery code that is wrong, malformed, already used, or (second login step)
 * an MFA ticket that is unknown or expired. 400 when a signed-in caller manages TOTP,
 * 401 at the second step of a login.
 */
export class InvalidCodeError extends TollgateError {
  readonly code = 'invalid_code';
  readonly statusCode: 400 | 401;
  constructor(statusCode: 400 | 401, message = 'The code is invalid or was already used') {
    super(message);
    this.statusCode = statusCode;
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

/**
 * A credential change (adding or removing a factor, new recovery codes, a new email,
 * deleting the account) asked of a session whose last proof of the password or a factor
 * is older than REAUTH_MAX_AGE: prove it again (POST /auth/reauthenticate). The challenge
 * follows RFC 9470 (`insufficient_user_authentication` with `max_age`).
 */
export class ReauthenticationRequiredError extends TollgateError {
  readonly code = 'reauthentication_required';
  readonly statusCode = 401;
  override readonly headers: Readonly<Record<string, string>>;
  constructor(
    maxAgeSeconds: number,
    message = 'This change needs a recent sign-in: confirm your password or a factor at POST /auth/reauthenticate',
  ) {
    super(message);
    this.headers = {
      'WWW-Authenticate': `Bearer error="insufficient_user_authentication", error_description="A recent sign-in is required", max_age=${maxAgeSeconds}`,
    };
  }
}

/**
 * Client authentication of an OAuth endpoint failed (RFC 6749 §5.2): no, malformed or
 * wrong HTTP Basic credentials, or a client not in INTROSPECTION_CLIENTS.
 */
export class InvalidClientError extends TollgateError {
  readonly code = 'invalid_client';
  readonly statusCode = 401;
  override readonly headers = { 'WWW-Authenticate': 'Basic realm="tollgate", charset="UTF-8"' } as const;
  constructor(message = 'Client authentication failed') {
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

/** An authenticated caller without the right to this (an admin route without the admin role). */
export class ForbiddenError extends TollgateError {
  readonly code = 'forbidden';
  readonly statusCode = 403;
  constructor(message = 'This requires the admin role') {
    super(message);
  }
}

/** The password was right, but the account is disabled. */
export class AccountDisabledError extends TollgateError {
  readonly code = 'account_disabled';
  readonly statusCode = 403;
  constructor() {
    super('This account is disabled');
  }
}

/**
 * A call authenticated by the refresh-token cookie came without an allowed `Origin`
 * (CORS_ORIGINS or PUBLIC_URL's): refused, so that another site cannot make a browser
 * spend its cookie (cross-site request forgery).
 */
/** REQUIRE_VERIFIED_EMAIL=on: a correct password of an account whose email is not verified. */
export class EmailNotVerifiedError extends TollgateError {
  readonly code = 'email_not_verified';
  readonly statusCode = 403;
  constructor(
    message = 'The email address of this account is not verified; a verification link was sent to it',
  ) {
    super(message);
  }
}

/** A feature this server does not offer as configured (e.g. mail without SMTP_URL in production). */
export class FeatureDisabledError extends TollgateError {
  readonly code = 'feature_disabled';
  readonly statusCode = 403;
}

/** TOTP setup while TOTP is on (turn it off first). */
export class MfaAlreadyEnabledError extends TollgateError {
  readonly code = 'mfa_already_enabled';
  readonly statusCode = 409;
  constructor() {
    super('Two-factor login with TOTP is already on for this account');
  }
}

/** Enabling TOTP without a pending setup, or disabling it when it is off. */
export class MfaNotEnabledError extends TollgateError {
  readonly code = 'mfa_not_enabled';
  readonly statusCode = 409;
  constructor(message = 'Two-factor login with TOTP is not on for this account') {
    super(message);
  }
}

export class OriginNotAllowedError extends TollgateError {
  readonly code = 'origin_not_allowed';
  readonly statusCode = 403;
  constructor() {
    super('Calls authenticated by the refresh cookie must come from an allowed origin');
  }
}

export class NotFoundError extends TollgateError {
  readonly code = 'not_found';
  readonly statusCode = 404;
}

/** A known path asked with a method it does not answer; `Allow` lists the ones it does. */
export class MethodNotAllowedError extends TollgateError {
  readonly code = 'method_not_allowed';
  readonly statusCode = 405;
  override readonly headers: Readonly<Record<string, string>>;
  constructor(method: string, path: string, allowed: readonly string[]) {
    super(`${path} does not answer ${method}; it answers ${allowed.join(', ')}`);
    this.headers = { Allow: allowed.join(', ') };
  }
}

export class RequestTimeoutError extends TollgateError {
  readonly code = 'request_timeout';
  readonly statusCode = 408;
  constructor() {
    super('The request was not received in time');
  }
}

export class PayloadTooLargeError extends TollgateError {
  readonly code = 'payload_too_large';
  readonly statusCode = 413;
  constructor() {
    super('The request body is too large');
  }
}

export class UnsupportedMediaTypeError extends TollgateError {
  readonly code = 'unsupported_media_type';
  readonly statusCode = 415;
  constructor(message = 'Send the body as application/json') {
    super(message);
  }
}

export class ExpectationFailedError extends TollgateError {
  readonly code = 'expectation_failed';
  readonly statusCode = 417;
  constructor() {
    super('Only "Expect: 100-continue" is supported');
  }
}

export class HeadersTooLargeError extends TollgateError {
  readonly code = 'headers_too_large';
  readonly statusCode = 431;
  constructor() {
    super('The request headers are too large');
  }
}

// --- 503: come back later ----------------------------------------------------------

/** Why a backing store could not answer; for logs and metrics, not for clients. */
export type UnavailableReason = 'timeout' | 'exhausted' | 'disconnected' | 'closed' | 'error';

/**
 * The session store (Redis or memory) could not answer in time. The API fails closed:
 * 503 with Retry-After, never a 200 for something it could not check.
 */
export class StoreUnavailableError extends TollgateError {
  readonly code = 'unavailable';
  readonly statusCode = 503;
  override readonly retryAfterSeconds: number = 1;
  /** Which backing store failed (metrics label). */
  readonly dependency: 'session_store' | 'database' = 'session_store';
  readonly reason: UnavailableReason;
  constructor(
    reason: UnavailableReason,
    message = 'The session store is unavailable; try again shortly',
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.reason = reason;
  }
}

/**
 * The accounts database (PostgreSQL or the embedded PGlite) could not answer: down,
 * unreachable, or past its statement timeout. Routes that need it answer 503; session
 * verification does not need it and keeps working.
 */
export class DatabaseUnavailableError extends StoreUnavailableError {
  override readonly dependency = 'database' as const;
  constructor(
    reason: UnavailableReason,
    message = 'The accounts database is unavailable; try again shortly',
    options?: ErrorOptions,
  ) {
    super(reason, message, options);
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
  readonly code = 'overloaded';
  readonly statusCode = 503;
  override readonly retryAfterSeconds: number;
  /** `retryAfterSeconds`: when a retry can expect a hashing slot (default 1). */
  constructor(retryAfterSeconds = 1) {
    super('The server is busy checking passwords; try again shortly');
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The process is draining: the client should reconnect (to another worker or instance). */
export class ShuttingDownError extends TollgateError {
  readonly code = 'shutting_down';
  readonly statusCode = 503;
  override readonly retryAfterSeconds: number = 1;
  override readonly headers = { Connection: 'close' } as const;
  constructor() {
    super('The server is shutting down; retry shortly');
  }
}

// --- 500: a bug --------------------------------------------------------------------

/**
 * A programming error or corrupt data: never a retryable 503, because retrying will not
 * help and an outage alert would hide a bug. `detail` and `cause` go to the log only.
 */
export class InternalError extends TollgateError {
  readonly code = 'internal_error';
  readonly statusCode = 500;
  constructor(
    readonly detail = 'unexpected error',
    options?: ErrorOptions,
  ) {
    super('Internal server error', options);
  }
}

// --- start-up ------------------------------------------------------------------------

export interface ConfigIssue {
  variable: string;
  message: string;
}

/** Start-up configuration problems: every bad variable, each named, in one error. */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];
  constructor(variableOrIssues: string | readonly ConfigIssue[], message?: string) {
    const issues =
      typeof variableOrIssues === 'string'
        ? [{ variable: variableOrIssues, message: message ?? 'is invalid' }]
        : variableOrIssues;
    super(issues.map((i) => `${i.variable}: ${i.message}`).join('\n'));
    this.name = 'ConfigError';
    this.issues = issues;
  }

  /** The first variable named (most callers report all of them through `message`). */
  get variable(): string {
    return this.issues[0]?.variable ?? '';
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
