/**
 * The one catalogue of tollgate errors, as a table: one row per stable wire code (the
 * `error` field of the JSON body) with its HTTP status, default message and headers.
 * Every error class is made from its row by `errorClass` (as fastify makes its own errors
 * with `createError`), so `instanceof` works and the status, message and headers of a code
 * are written once. Each code names one cause; where
 * a code has a second documented case (a refresh token or a link token for
 * `invalid_grant`), the row's `variant` says how that case differs (its status or a
 * header). Messages are public: they never contain tokens, passwords, stack traces or
 * internals. docs/errors.md describes every row; test/unit/errors-table.test.ts keeps the
 * two and the OpenAPI error enum in step.
 */

/**
 * A header value that each error sets itself (Retry-After's seconds, Allow's methods, a
 * challenge carrying `max_age`); the row only says that the code sends the header.
 */
export const PER_ERROR = null;

/** Response headers of a code: a fixed value, or PER_ERROR. */
export type ErrorHeaders = Readonly<Record<string, string | typeof PER_ERROR>>;

export interface ErrorRow {
  /** The HTTP status. */
  readonly status: number;
  /** The public message of an error that gives none. */
  readonly message: string;
  /** Headers every error of the code sends. `Retry-After` is sent from `retryAfterSeconds`. */
  readonly headers?: ErrorHeaders;
  /**
   * The code's second documented case: the same cause met elsewhere, told apart from the
   * first by its status or a header (docs/errors.md describes both).
   */
  readonly variant?: { readonly status?: number; readonly message?: string; readonly headers?: ErrorHeaders };
}

/** Every stable code, in the order docs/errors.md and the OpenAPI enum list them. */
export const ERROR_TABLE = {
  // --- 4xx: the request ------------------------------------------------------------
  invalid_request: {
    status: 400,
    message: 'The request is not valid',
    // A malformed Authorization header (RFC 6750 §3.1 `invalid_request`), e.g. sent twice.
    variant: {
      message: 'The Authorization header is malformed',
      headers: { 'WWW-Authenticate': 'Bearer error="invalid_request"' },
    },
  },
  weak_password: { status: 400, message: 'This password is too easy to guess' },
  email_taken: { status: 409, message: 'An account with this email already exists' },
  last_sign_in_method: {
    status: 409,
    message:
      'This passkey is the only way to sign in to this account; add another passkey or a password first',
  },
  registration_disabled: { status: 403, message: 'Registration is disabled on this server' },
  invalid_credentials: { status: 401, message: 'Invalid email or password' },
  too_many_attempts: {
    status: 429,
    message: 'Too many failed login attempts; try again later',
    headers: { 'Retry-After': PER_ERROR },
  },
  invalid_grant: {
    status: 401,
    message: 'The refresh token is invalid, expired or revoked',
    // A password-reset, verification or email-change link token (400, as the API contract says).
    variant: { status: 400, message: 'The link is invalid, expired or already used' },
  },
  invalid_token: {
    status: 401,
    message: 'The access token is missing, invalid, expired or revoked',
    headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
  },
  invalid_client: {
    status: 401,
    message: 'Client authentication failed',
    headers: { 'WWW-Authenticate': 'Basic realm="tollgate", charset="UTF-8"' },
  },
  reauthentication_required: {
    status: 401,
    message:
      'This change needs a recent sign-in: confirm your password or a factor at POST /auth/reauthenticate',
    headers: { 'WWW-Authenticate': PER_ERROR },
  },
  unauthorized: {
    status: 401,
    message: 'This endpoint requires the operations token',
    headers: { 'WWW-Authenticate': 'Bearer' },
  },
  forbidden: { status: 403, message: 'This requires the admin role' },
  account_disabled: { status: 403, message: 'This account is disabled' },
  email_not_verified: {
    status: 403,
    message: 'The email address of this account is not verified; a verification link was sent to it',
  },
  feature_disabled: { status: 403, message: 'This feature is not available on this server' },
  invalid_code: {
    status: 400,
    message: 'The code is invalid or was already used',
    // At the second step of a login or at re-authentication.
    variant: { status: 401 },
  },
  mfa_already_enabled: {
    status: 409,
    message: 'Two-factor login with TOTP is already on for this account',
  },
  mfa_not_enabled: { status: 409, message: 'Two-factor login with TOTP is not on for this account' },
  origin_not_allowed: {
    status: 403,
    message: 'Calls authenticated by the refresh cookie must come from an allowed origin',
  },
  not_found: { status: 404, message: 'Not found' },
  method_not_allowed: {
    status: 405,
    message: 'This path does not answer this method',
    headers: { Allow: PER_ERROR },
  },
  request_timeout: { status: 408, message: 'The request was not received in time' },
  payload_too_large: { status: 413, message: 'The request body is too large' },
  unsupported_media_type: { status: 415, message: 'Send the body as application/json' },
  expectation_failed: { status: 417, message: 'Only "Expect: 100-continue" is supported' },
  headers_too_large: { status: 431, message: 'The request headers are too large' },
  // --- 503: come back later --------------------------------------------------------
  unavailable: {
    status: 503,
    message: 'The session store is unavailable; try again shortly',
    headers: { 'Retry-After': '1' },
  },
  overloaded: {
    status: 503,
    message: 'The server is busy checking passwords; try again shortly',
    headers: { 'Retry-After': '1' },
  },
  shutting_down: {
    status: 503,
    message: 'The server is shutting down; retry shortly',
    headers: { 'Retry-After': '1', Connection: 'close' },
  },
  // --- 500: the server ---------------------------------------------------------------
  internal_error: { status: 500, message: 'Internal server error' },
  secret_unreadable: { status: 500, message: 'A stored secret could not be opened' },
} as const satisfies Record<string, ErrorRow>;

export type ErrorCode = keyof typeof ERROR_TABLE;

/** Every stable code (the `error` field of an error body); docs/errors.md describes each. */
export const ERROR_CODES: readonly ErrorCode[] = Object.freeze(Object.keys(ERROR_TABLE) as ErrorCode[]);

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

/** The fixed headers of a row or variant, without Retry-After (sent from retryAfterSeconds). */
function fixedHeaders(headers: ErrorHeaders | undefined): Readonly<Record<string, string>> {
  const fixed: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value !== PER_ERROR && name !== 'Retry-After') fixed[name] = value;
  }
  return Object.freeze(fixed);
}

type VariantStatus<C extends ErrorCode> = (typeof ERROR_TABLE)[C] extends {
  readonly variant: { readonly status: infer S extends number };
}
  ? S
  : never;
/** The statuses a class can answer with: the row's and its variant's, or the variant's alone. */
type StatusOf<C extends ErrorCode, U> = U extends 'variant'
  ? [VariantStatus<C>] extends [never]
    ? (typeof ERROR_TABLE)[C]['status']
    : VariantStatus<C>
  : (typeof ERROR_TABLE)[C]['status'] | VariantStatus<C>;

/**
 * The class of one code, made from its row (or the row's variant): status, default message,
 * headers and default Retry-After. Every exported error class extends one, so a plain
 * error is one line: `class EmailTakenError extends errorClass('email_taken') {}`.
 */
function errorClass<C extends ErrorCode, U extends 'row' | 'variant' = 'row'>(code: C, use?: U) {
  const row: ErrorRow = ERROR_TABLE[code];
  const variant = use === 'variant' ? row.variant : undefined;
  if (use === 'variant' && !variant) throw new TypeError(`${code} has no variant`);
  const status = variant?.status ?? row.status;
  const message = variant?.message ?? row.message;
  const headers = { ...row.headers, ...variant?.headers };
  const retryAfter = headers['Retry-After'];
  const fixed = fixedHeaders(headers);

  return class extends TollgateError {
    readonly code: C = code;
    readonly statusCode: StatusOf<C, U> = status as StatusOf<C, U>;
    override readonly retryAfterSeconds: number | undefined =
      typeof retryAfter === 'string' ? Number(retryAfter) : undefined;
    override readonly headers: Readonly<Record<string, string>> = fixed;

    constructor(publicMessage: string = message, options?: ErrorOptions) {
      super(publicMessage, options);
    }
  };
}

// --- 4xx: the request ------------------------------------------------------------

/** A malformed body, query, path or URL; the message names what is wrong. */
export class InvalidRequestError extends errorClass('invalid_request') {}

/** A malformed Authorization header (RFC 6750 §3.1 `invalid_request`), e.g. sent twice. */
export class InvalidAuthorizationError extends errorClass('invalid_request', 'variant') {}

/**
 * A new password the password policy refuses: too easy to guess, or known from a data
 * breach. The message says why, in words for the person choosing it; it never repeats
 * the password.
 */
export class WeakPasswordError extends errorClass('weak_password') {
  constructor(
    message: string,
    /** Which rule refused it (for logs and metrics). */
    readonly reason: 'guessable' | 'breached',
  ) {
    super(message);
  }
}

export class EmailTakenError extends errorClass('email_taken') {}

export class RegistrationDisabledError extends errorClass('registration_disabled') {}

export class InvalidCredentialsError extends errorClass('invalid_credentials') {}

/**
 * Removing this passkey would leave the account without any way to sign in (it has no
 * password and no other passkey).
 */
export class LastSignInMethodError extends errorClass('last_sign_in_method') {}

export class TooManyAttemptsError extends errorClass('too_many_attempts') {
  override readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number, message?: string) {
    super(message);
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterSeconds));
  }
}

/** A refresh token that is malformed, unknown, expired, revoked or reused (401). */
export class InvalidGrantError extends errorClass('invalid_grant') {}

/**
 * A password-reset, email-verification or email-change token that is malformed, unknown,
 * used or expired (400: the link is at fault, not the caller's credentials).
 */
export class InvalidLinkTokenError extends errorClass('invalid_grant', 'variant') {}

/**
 * A TOTP or recovery code that is wrong, malformed, already used, or (second login step)
 * an MFA ticket that is unknown or expired. 400 when a signed-in caller manages TOTP,
 * 401 at the second step of a login.
 */
export class InvalidCodeError extends errorClass('invalid_code') {
  override readonly statusCode: 400 | 401;
  constructor(statusCode: 400 | 401, message?: string) {
    super(message);
    this.statusCode = statusCode;
  }
}

export class InvalidTokenError extends errorClass('invalid_token') {}

/**
 * A credential change (adding or removing a factor, new recovery codes, a new email,
 * deleting the account) asked of a session whose last proof of the password or a factor
 * is older than REAUTH_MAX_AGE: prove it again (POST /auth/reauthenticate). The challenge
 * follows RFC 9470 (`insufficient_user_authentication` with `max_age`).
 */
export class ReauthenticationRequiredError extends errorClass('reauthentication_required') {
  override readonly headers: Readonly<Record<string, string>>;
  constructor(maxAgeSeconds: number, message?: string) {
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
export class InvalidClientError extends errorClass('invalid_client') {}

export class UnauthorizedError extends errorClass('unauthorized') {}

/** An authenticated caller without the right to this (an admin route without the admin role). */
export class ForbiddenError extends errorClass('forbidden') {}

/** The password was right, but the account is disabled. */
export class AccountDisabledError extends errorClass('account_disabled') {}

/** REQUIRE_VERIFIED_EMAIL=on: a correct password of an account whose email is not verified. */
export class EmailNotVerifiedError extends errorClass('email_not_verified') {}

/** A feature this server does not offer as configured (e.g. mail without SMTP_URL in production). */
export class FeatureDisabledError extends errorClass('feature_disabled') {}

/** TOTP setup while TOTP is on (turn it off first). */
export class MfaAlreadyEnabledError extends errorClass('mfa_already_enabled') {}

/** Enabling TOTP without a pending setup, or disabling it when it is off. */
export class MfaNotEnabledError extends errorClass('mfa_not_enabled') {}

/**
 * A call authenticated by the refresh-token cookie came without an allowed `Origin`
 * (CORS_ORIGINS or PUBLIC_URL's): refused, so that another site cannot make a browser
 * spend its cookie (cross-site request forgery).
 */
export class OriginNotAllowedError extends errorClass('origin_not_allowed') {}

export class NotFoundError extends errorClass('not_found') {}

/** A known path asked with a method it does not answer; `Allow` lists the ones it does. */
export class MethodNotAllowedError extends errorClass('method_not_allowed') {
  override readonly headers: Readonly<Record<string, string>>;
  constructor(method: string, path: string, allowed: readonly string[]) {
    super(`${path} does not answer ${method}; it answers ${allowed.join(', ')}`);
    this.headers = { Allow: allowed.join(', ') };
  }
}

export class RequestTimeoutError extends errorClass('request_timeout') {}

export class PayloadTooLargeError extends errorClass('payload_too_large') {}

export class UnsupportedMediaTypeError extends errorClass('unsupported_media_type') {}

export class ExpectationFailedError extends errorClass('expectation_failed') {}

export class HeadersTooLargeError extends errorClass('headers_too_large') {}

// --- 503: come back later ----------------------------------------------------------

/** Why a backing store could not answer; for logs and metrics, not for clients. */
export type UnavailableReason = 'timeout' | 'exhausted' | 'disconnected' | 'closed' | 'error';

/**
 * The session store (Redis or memory) could not answer in time. The API fails closed:
 * 503 with Retry-After, never a 200 for something it could not check.
 */
export class StoreUnavailableError extends errorClass('unavailable') {
  /** Which backing store failed (metrics label). */
  readonly dependency: 'session_store' | 'database' = 'session_store';
  readonly reason: UnavailableReason;
  constructor(reason: UnavailableReason, message?: string, options?: ErrorOptions) {
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
export class OverloadedError extends errorClass('overloaded') {
  override readonly retryAfterSeconds: number;
  /** `retryAfterSeconds`: when a retry can expect a hashing slot (default 1). */
  constructor(retryAfterSeconds = 1) {
    super();
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The process is draining: the client should reconnect (to another worker or instance). */
export class ShuttingDownError extends errorClass('shutting_down') {}

// --- 500: the server ---------------------------------------------------------------

/**
 * A programming error or corrupt data: never a retryable 503, because retrying will not
 * help and an outage alert would hide a bug. `detail` and `cause` go to the log only.
 */
export class InternalError extends errorClass('internal_error') {
  constructor(
    readonly detail = 'unexpected error',
    options?: ErrorOptions,
  ) {
    super(undefined, options);
  }
}

const SECRET_UNREADABLE_MESSAGES = {
  unknown_key: 'A stored secret was sealed under a key that is not configured',
  malformed: 'A stored secret is malformed',
  tampered: 'A stored secret failed authentication',
} as const;

/**
 * A secret sealed at rest (e.g. a TOTP secret) could not be opened: the stored value is
 * malformed, was sealed under a key that is no longer configured (SECRETS_KEY), or was
 * altered (or belongs to another record). A 500 of its own code, so that an operator
 * can tell it from a bug; the message never contains the secret.
 */
export class SecretDecryptError extends errorClass('secret_unreadable') {
  readonly reason: keyof typeof SECRET_UNREADABLE_MESSAGES;
  constructor(reason: SecretDecryptError['reason']) {
    super(SECRET_UNREADABLE_MESSAGES[reason]);
    this.reason = reason;
  }
}

export function isTollgateError(err: unknown): err is TollgateError {
  return err instanceof TollgateError;
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
