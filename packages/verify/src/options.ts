/**
 * The options of `createVerifier`, their defaults, and the checks that turn a wrong
 * option into a TypeError at start-up rather than a surprise on the first request.
 */
import type { RedisExistsClient } from './session-redis.js';

/** Ask tollgate's `POST /oauth/introspect` (RFC 7662) on every request. */
export interface IntrospectSessionOptions {
  mode: 'introspect';
  /** One of tollgate's `INTROSPECTION_CLIENTS`. */
  clientId: string;
  clientSecret: string;
  /** Default: `<baseUrl>/oauth/introspect`. */
  endpoint?: string | URL;
  /** Bound of one introspection call, connect included. Default 2000 ms. */
  timeoutMs?: number;
  /** Keep-alive connections to tollgate at most. Default 32. */
  connections?: number;
}

/** One `EXISTS` on tollgate's session key in tollgate's Redis, on every request. */
export interface RedisSessionModeOptions {
  mode: 'redis';
  /** Your connected node-redis (v5 or v6) client or cluster, on tollgate's Redis. */
  client: RedisExistsClient;
  /** tollgate's key prefix. Default `tg:`. */
  keyPrefix?: string;
  /** Bound of one `EXISTS`. Default 1000 ms. */
  timeoutMs?: number;
}

export interface JwksOptions {
  /** Default: `<baseUrl>/.well-known/jwks.json`. */
  uri?: string | URL;
  /** Bound of one key-set fetch. Default 3000 ms. */
  timeoutMs?: number;
  /** At most one refetch per this interval for unknown `kid`s. Default 30000 ms. */
  cooldownMs?: number;
  /** The key set is refetched when older than this. Default 600000 ms (10 min). */
  maxAgeMs?: number;
  /** After a failed fetch, requests needing the set fail at once for this long. Default 1000 ms. */
  retryMs?: number;
}

export interface VerifierOptions {
  /** tollgate's base URL, e.g. `https://auth.example.com`. */
  baseUrl: string | URL;
  /** The `iss` tollgate puts in its tokens (its `TOKEN_ISSUER`). */
  issuer: string;
  /** The `aud` this service accepts (tollgate's `TOKEN_AUDIENCE`); any one of a list. */
  audience: string | readonly string[];
  /** Signature algorithms accepted. Default `['EdDSA', 'ES256']`. */
  algorithms?: readonly string[];
  /** Clock skew allowed on `exp` (and `nbf`), in seconds. Default 5. */
  clockToleranceSeconds?: number;
  /**
   * Tokens whose signature and claims verified are remembered (until they expire or the
   * key set is fetched again) so a repeated token skips the signature check; the session
   * is checked on every request regardless. At most this many; 0 turns it off. Default 10000.
   */
  verifiedCacheSize?: number;
  jwks?: JwksOptions;
  /** How the session is checked after the local JWT checks. */
  session: IntrospectSessionOptions | RedisSessionModeOptions;
}

/** Asymmetric JWS algorithms a JWKS can hold; `none` and HMAC never are. */
export const ASYMMETRIC_ALGORITHMS = Object.freeze([
  'EdDSA',
  'Ed25519',
  'ES256',
  'ES384',
  'ES512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
]);

export const DEFAULTS = Object.freeze({
  algorithms: Object.freeze(['EdDSA', 'ES256']),
  clockToleranceSeconds: 5,
  verifiedCacheSize: 10_000,
  jwksTimeoutMs: 3000,
  jwksCooldownMs: 30_000,
  jwksMaxAgeMs: 600_000,
  jwksRetryMs: 1000,
  introspectionTimeoutMs: 2000,
  introspectionConnections: 32,
  redisTimeoutMs: 1000,
  keyPrefix: 'tg:',
});

export interface ResolvedOptions {
  issuer: string;
  audience: string | readonly string[];
  algorithms: readonly string[];
  clockToleranceSeconds: number;
  verifiedCacheSize: number;
  jwks: { uri: URL; timeoutMs: number; cooldownMs: number; maxAgeMs: number; retryMs: number };
  session:
    | {
        mode: 'introspect';
        endpoint: URL;
        clientId: string;
        clientSecret: string;
        timeoutMs: number;
        connections: number;
      }
    | { mode: 'redis'; client: RedisExistsClient; keyPrefix: string; timeoutMs: number };
}

function fail(option: string, message: string): never {
  throw new TypeError(`@tollgate/verify: "${option}" ${message}`);
}

function httpUrl(option: string, value: unknown): URL {
  let url: URL;
  try {
    url = new URL(value instanceof URL ? value.href : String(value));
  } catch {
    fail(option, 'must be an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(option, 'must be an http(s) URL');
  return url;
}

/** `<base>` + `path`, keeping any path prefix the base URL has. */
function under(base: URL, path: string): URL {
  const u = new URL(base.href);
  u.pathname = `${u.pathname.replace(/\/+$/, '')}${path}`;
  u.search = '';
  u.hash = '';
  return u;
}

function positiveInt(option: string, value: number | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0 || value > max) {
    fail(option, `must be an integer between 1 and ${max}`);
  }
  return value;
}

function nonNegative(option: string, value: number | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0 || value > max) fail(option, `must be between 0 and ${max}`);
  return value;
}

function nonNegativeInt(option: string, value: number | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0 || value > max)
    fail(option, `must be an integer between 0 and ${max}`);
  return value;
}

function nonEmpty(option: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') fail(option, 'must be a non-empty string');
  return value;
}

export function resolveOptions(options: VerifierOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) fail('options', 'must be an object');
  const base = httpUrl('baseUrl', options.baseUrl);
  const issuer = nonEmpty('issuer', options.issuer);
  const audience =
    typeof options.audience === 'string'
      ? nonEmpty('audience', options.audience)
      : Array.isArray(options.audience) && options.audience.length > 0
        ? Object.freeze(options.audience.map((a, i) => nonEmpty(`audience[${i}]`, a)))
        : fail('audience', 'must be a non-empty string or list of strings');

  const requested: unknown = options.algorithms ?? DEFAULTS.algorithms;
  if (!Array.isArray(requested) || requested.length === 0) fail('algorithms', 'must be a non-empty list');
  const algorithms: string[] = [];
  for (const alg of requested as unknown[]) {
    if (typeof alg === 'string' && ASYMMETRIC_ALGORITHMS.includes(alg)) algorithms.push(alg);
    else {
      fail('algorithms', `contains "${String(alg)}"; allowed: ${ASYMMETRIC_ALGORITHMS.join(', ')}`);
    }
  }

  const j = options.jwks ?? {};
  const jwks = {
    uri: j.uri === undefined ? under(base, '/.well-known/jwks.json') : httpUrl('jwks.uri', j.uri),
    timeoutMs: positiveInt('jwks.timeoutMs', j.timeoutMs, DEFAULTS.jwksTimeoutMs, 60_000),
    cooldownMs: nonNegative('jwks.cooldownMs', j.cooldownMs, DEFAULTS.jwksCooldownMs, 86_400_000),
    maxAgeMs: positiveInt('jwks.maxAgeMs', j.maxAgeMs, DEFAULTS.jwksMaxAgeMs, 86_400_000),
    retryMs: nonNegative('jwks.retryMs', j.retryMs, DEFAULTS.jwksRetryMs, 3_600_000),
  };

  // Read loosely: JavaScript callers may pass anything.
  const s = options.session as
    | (Omit<Partial<IntrospectSessionOptions>, 'mode'> &
        Omit<Partial<RedisSessionModeOptions>, 'mode'> & { mode?: unknown })
    | undefined;
  let session: ResolvedOptions['session'];
  if (s?.mode === 'introspect') {
    session = {
      mode: 'introspect',
      endpoint:
        s.endpoint === undefined ? under(base, '/oauth/introspect') : httpUrl('session.endpoint', s.endpoint),
      clientId: nonEmpty('session.clientId', s.clientId),
      clientSecret: nonEmpty('session.clientSecret', s.clientSecret),
      timeoutMs: positiveInt('session.timeoutMs', s.timeoutMs, DEFAULTS.introspectionTimeoutMs, 60_000),
      connections: positiveInt('session.connections', s.connections, DEFAULTS.introspectionConnections, 4096),
    };
  } else if (s?.mode === 'redis') {
    if (typeof s.client?.exists !== 'function')
      fail('session.client', 'must be a node-redis client or cluster');
    session = {
      mode: 'redis',
      client: s.client,
      keyPrefix: s.keyPrefix === undefined ? DEFAULTS.keyPrefix : nonEmpty('session.keyPrefix', s.keyPrefix),
      timeoutMs: positiveInt('session.timeoutMs', s.timeoutMs, DEFAULTS.redisTimeoutMs, 60_000),
    };
  } else {
    fail('session.mode', 'must be "introspect" or "redis"');
  }

  return {
    issuer,
    audience,
    algorithms: Object.freeze(algorithms),
    clockToleranceSeconds: nonNegative(
      'clockToleranceSeconds',
      options.clockToleranceSeconds,
      DEFAULTS.clockToleranceSeconds,
      300,
    ),
    verifiedCacheSize: nonNegativeInt(
      'verifiedCacheSize',
      options.verifiedCacheSize,
      DEFAULTS.verifiedCacheSize,
      1_000_000,
    ),
    jwks,
    session,
  };
}
