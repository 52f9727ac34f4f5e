/**
 * Refresh tokens: opaque to clients, `tgr1.<uid>.<sid>.<secret>` with 256 bits of
 * secret. The ids only route the lookup; the store keeps nothing but the SHA-256 of the
 * whole token, so a leaked store dump yields no usable refresh token.
 *
 * A session's first token is random; each rotation's successor is derived from the
 * token it replaces with a server-side HMAC key (`successorOf`). So a client that
 * retries a refresh whose answer it lost gets the very same successor again, and
 * nothing secret is stored to make that possible.
 */
import { createHash, createHmac, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';

const FORMAT = /^tgr1\.([0-9a-f-]{36})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

export interface ParsedRefreshToken {
  uid: string;
  sid: string;
  hash: string;
}

export function newSessionId(): string {
  return randomBytes(16).toString('base64url');
}

export function mintRefreshToken(uid: string, sid: string): { token: string; hash: string } {
  const token = `tgr1.${uid}.${sid}.${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashRefreshToken(token) };
}

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Returns null for anything that is not a well-formed refresh token. */
export function parseRefreshToken(token: string): ParsedRefreshToken | null {
  if (token.length > 200) return null;
  const m = FORMAT.exec(token);
  if (!m) return null;
  return { uid: m[1]!, sid: m[2]!, hash: hashRefreshToken(token) };
}

/**
 * The key successors are derived with: HKDF-SHA256 of the signing key, so every worker
 * and instance that signs tokens derives the same one and no extra secret is configured.
 */
export function refreshSuccessorKey(signingKey: KeyObject): Buffer {
  const material = signingKey.export({ format: 'der', type: 'pkcs8' });
  return Buffer.from(hkdfSync('sha256', material, 'tollgate', 'refresh-token successor v1', 32));
}

/** The deterministic successor of a (parsed, well-formed) refresh token. */
export function successorOf(
  key: Buffer,
  token: string,
  parsed: ParsedRefreshToken,
): { token: string; hash: string } {
  const secret = createHmac('sha256', key).update(token).digest('base64url');
  const next = `tgr1.${parsed.uid}.${parsed.sid}.${secret}`;
  return { token: next, hash: hashRefreshToken(next) };
}
