/** Signing keys and token lifetimes. */
import type { Reader } from '../reader.js';
import type { JwtConfig } from '../schema.js';
import type { ServerSection } from './server.js';

const PUBLIC_KEY_PEM = /-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g;

/** A PEM given inline may carry its line breaks as literal `\n` (one-line env files). */
function pem(value: string | undefined): string | undefined {
  return value?.replace(/\\n/g, '\n');
}

/** TOKEN_AUDIENCE: one audience or a comma-separated list (RFC 9068 requires `aud`). */
function readAudience(r: Reader): string[] {
  const value = r.string('TOKEN_AUDIENCE', 'tollgate');
  const audience = value.split(',').map((a) => a.trim());
  if (audience.some((a) => a === '' || /\s/.test(a))) {
    r.issue('TOKEN_AUDIENCE', 'must be one audience or a comma-separated list, without spaces inside');
    return ['tollgate'];
  }
  return [...new Set(audience)];
}

/**
 * The `iss` of every token is PUBLIC_URL, the URL the RFC 8414 metadata is served under
 * and names as its `issuer` (clients compare the two). TOKEN_ISSUER may still be set, to
 * say so explicitly; any other value is a configuration error, never a silent mismatch.
 */
function readIssuer(r: Reader, publicUrl: string): string {
  const value = r.raw('TOKEN_ISSUER');
  if (value !== undefined && value.replace(/\/+$/, '') !== publicUrl) {
    r.issue(
      'TOKEN_ISSUER',
      `must be PUBLIC_URL (${publicUrl}), the issuer the metadata names, got "${value}"; leave it unset to follow PUBLIC_URL`,
    );
  }
  return publicUrl;
}

export function readTokens(r: Reader, server: ServerSection, publicUrl: string): JwtConfig {
  const privateKeyPem = pem(r.secret('JWT_PRIVATE_KEY', 'key file'));
  if (server.production && !privateKeyPem && !r.isSet('JWT_PRIVATE_KEY_FILE')) {
    r.issue(
      'JWT_PRIVATE_KEY',
      'production requires a signing key: set JWT_PRIVATE_KEY (PEM) or JWT_PRIVATE_KEY_FILE (generate one with `tollgate keys generate`)',
    );
  }
  if (privateKeyPem && !privateKeyPem.includes('PRIVATE KEY')) {
    r.issue(
      'JWT_PRIVATE_KEY',
      'must be a PEM-encoded private key (PKCS#8, as `tollgate keys generate` prints)',
    );
  }
  const extraPublic = pem(r.secret('JWT_PUBLIC_KEYS', 'key file'));
  const extraPublicKeysPem = extraPublic?.match(PUBLIC_KEY_PEM) ?? [];
  if (extraPublic && extraPublicKeysPem.length === 0) {
    r.issue('JWT_PUBLIC_KEYS', 'must contain one or more PEM public keys');
  }
  const accessTokenTtl = r.int('ACCESS_TOKEN_TTL', 900, 10, 86_400);
  const refreshTokenTtl = r.int('REFRESH_TOKEN_TTL', 7 * 86_400, 60, 365 * 86_400);
  if (refreshTokenTtl < accessTokenTtl) {
    r.issue('REFRESH_TOKEN_TTL', `must be at least ACCESS_TOKEN_TTL (${accessTokenTtl})`);
  }
  const refreshRetryGraceSeconds = r.int('REFRESH_RETRY_GRACE', 30, 0, 600);
  return {
    refreshRetryGraceSeconds,
    privateKeyPem,
    extraPublicKeysPem,
    issuer: readIssuer(r, publicUrl),
    audience: readAudience(r),
    accessTokenTtl,
    refreshTokenTtl,
  };
}
