/** Signing keys, token lifetimes and sessions per user. */
import { int, parsed, secret, type Section } from '../declare.js';
import type { Reader } from '../reader.js';
import type { JwtConfig } from '../schema.js';
import type { ServerSection } from './server.js';

const PUBLIC_KEY_PEM = /-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g;

const JWT_PRIVATE_KEY = secret({
  name: 'JWT_PRIVATE_KEY',
  what: 'key file',
  unset: 'development: generated under `VAR_DIR`',
  meaning: 'PEM signing key (Ed25519, P-256 or RSA ≥ 2048); `tollgate keys generate` makes one',
  details: '(`--alg EdDSA` or `ES256`); required in production',
  fileExample: 'secrets/jwt-signing-key.pem',
});

const JWT_PUBLIC_KEYS = secret({
  name: 'JWT_PUBLIC_KEYS',
  what: 'key file',
  meaning: 'previous public keys (PEM, concatenated) still accepted and published, for rotation',
});

/**
 * The `iss` of every token is PUBLIC_URL, the URL the RFC 8414 metadata is served under
 * and names as its `issuer` (clients compare the two). TOKEN_ISSUER may still be set, to
 * say so explicitly; any other value is a configuration error, never a silent mismatch.
 */
const TOKEN_ISSUER = parsed<string>({
  name: 'TOKEN_ISSUER',
  computed: '`PUBLIC_URL`',
  meaning: '`iss` of access tokens and the metadata `issuer`; must equal `PUBLIC_URL` (RFC 8414)',
  details: '; any other value stops start-up, so leave it unset',
  parse: (value, issue, publicUrl) => {
    if (value.replace(/\/+$/, '') !== publicUrl) {
      issue(
        `must be PUBLIC_URL (${publicUrl}), the issuer the metadata names, got "${value}"; leave it unset to follow PUBLIC_URL`,
      );
    }
    return publicUrl;
  },
});

/** One audience or a comma-separated list (RFC 9068 requires `aud`). */
const TOKEN_AUDIENCE = parsed<string[]>({
  name: 'TOKEN_AUDIENCE',
  default: ['tollgate'],
  show: (audience) => audience.join(','),
  meaning: '`aud` of access tokens: one audience or a comma-separated list',
  details:
    '(then `aud` is an array and a token naming any of them is accepted). Resource servers check it: see docs/integration.md',
  example: 'orders-api',
  parse: (value, issue, fallback) => {
    const audience = value.split(',').map((a) => a.trim());
    if (audience.some((a) => a === '' || /\s/.test(a))) {
      issue('must be one audience or a comma-separated list, without spaces inside');
      return fallback;
    }
    return [...new Set(audience)];
  },
});

const ACCESS_TOKEN_TTL = int({
  name: 'ACCESS_TOKEN_TTL',
  default: 900,
  min: 10,
  max: 86_400,
  meaning: 'access token lifetime, seconds',
});

const REFRESH_TOKEN_TTL = int({
  name: 'REFRESH_TOKEN_TTL',
  default: 7 * 86_400,
  min: 60,
  max: 365 * 86_400,
  meaning: 'refresh token / session lifetime, seconds',
  details: '(renewed on rotation)',
});

const REFRESH_RETRY_GRACE = int({
  name: 'REFRESH_RETRY_GRACE',
  default: 30,
  min: 0,
  max: 600,
  meaning: 'seconds a rotated refresh token is a retry (same successor), not reuse; `0` turns retries off',
});

/** Read by `loadConfig` (Config.maxSessionsPerUser). */
export const MAX_SESSIONS_PER_USER = int({
  name: 'MAX_SESSIONS_PER_USER',
  default: 100,
  min: 1,
  max: 10_000,
  meaning: 'live sessions per user; a login past it ends the session closest to expiry',
});

export const TOKENS: Section = {
  title: 'Tokens and sessions',
  variables: [
    JWT_PRIVATE_KEY,
    JWT_PUBLIC_KEYS,
    TOKEN_ISSUER,
    TOKEN_AUDIENCE,
    ACCESS_TOKEN_TTL,
    REFRESH_TOKEN_TTL,
    REFRESH_RETRY_GRACE,
    MAX_SESSIONS_PER_USER,
  ],
};

/** A PEM given inline may carry its line breaks as literal `\n` (one-line env files). */
function pem(value: string | undefined): string | undefined {
  return value?.replace(/\\n/g, '\n');
}

export function readTokens(r: Reader, server: ServerSection, publicUrl: string): JwtConfig {
  const privateKeyPem = pem(JWT_PRIVATE_KEY.read(r));
  if (server.production && !privateKeyPem && !r.isSet(`${JWT_PRIVATE_KEY.name}_FILE`)) {
    r.issue(
      JWT_PRIVATE_KEY.name,
      'production requires a signing key: set JWT_PRIVATE_KEY (PEM) or JWT_PRIVATE_KEY_FILE (generate one with `tollgate keys generate`)',
    );
  }
  if (privateKeyPem && !privateKeyPem.includes('PRIVATE KEY')) {
    r.issue(
      JWT_PRIVATE_KEY.name,
      'must be a PEM-encoded private key (PKCS#8, as `tollgate keys generate` prints)',
    );
  }
  const extraPublic = pem(JWT_PUBLIC_KEYS.read(r));
  const extraPublicKeysPem = extraPublic?.match(PUBLIC_KEY_PEM) ?? [];
  if (extraPublic && extraPublicKeysPem.length === 0) {
    r.issue(JWT_PUBLIC_KEYS.name, 'must contain one or more PEM public keys');
  }
  const accessTokenTtl = ACCESS_TOKEN_TTL.read(r);
  const refreshTokenTtl = REFRESH_TOKEN_TTL.read(r);
  if (refreshTokenTtl < accessTokenTtl) {
    r.issue(REFRESH_TOKEN_TTL.name, `must be at least ACCESS_TOKEN_TTL (${accessTokenTtl})`);
  }
  const refreshRetryGraceSeconds = REFRESH_RETRY_GRACE.read(r);
  return {
    refreshRetryGraceSeconds,
    privateKeyPem,
    extraPublicKeysPem,
    issuer: TOKEN_ISSUER.read(r, publicUrl),
    audience: TOKEN_AUDIENCE.read(r),
    accessTokenTtl,
    refreshTokenTtl,
  };
}
