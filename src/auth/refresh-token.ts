/**
 * Refresh tokens: opaque to clients, `tgr1.<uid>.<sid>.<secret>` with 256 random bits of
 * secret. The ids only route the lookup; the store keeps nothing but the SHA-256 of
 * the whole token, so a leaked store dump yields no usable refresh token.
 */
import { createHash, randomBytes } from 'node:crypto';

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
