/**
 * What both entries of @tollgate/verify export besides `createVerifier`: the options,
 * claims, error classes and helpers. Web APIs only.
 */
export type {
  VerifierOptions,
  IntrospectSessionOptions,
  RedisSessionModeOptions,
  JwksOptions,
} from './options.js';
export { DEFAULTS, ASYMMETRIC_ALGORITHMS } from './options.js';
export type { TollgateClaims } from './jwt.js';
export { MAX_TOKEN_LENGTH } from './jwt.js';
export { sessionKey, type RedisExistsClient } from './session-redis.js';
export {
  tokenFromAuthorization,
  tokenFromRequest,
  authorizationValues,
  type RequestLike,
} from './authorization.js';
export {
  VerifyError,
  InvalidTokenError,
  TokenMissingError,
  AuthorizationMalformedError,
  AuthorizationDuplicateError,
  TokenMalformedError,
  TokenAlgorithmError,
  TokenKeyUnknownError,
  TokenSignatureError,
  TokenExpiredError,
  TokenClaimError,
  SessionEndedError,
  UnavailableError,
  JwksUnavailableError,
  IntrospectionUnavailableError,
  SessionStoreUnavailableError,
  RETRY_AFTER_SECONDS,
  isVerifyError,
  type UnavailableReason,
  type WireErrorCode,
  type ErrorBody,
  type ErrorResponse,
} from './errors.js';
