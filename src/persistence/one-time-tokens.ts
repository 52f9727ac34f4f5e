/**
 * Single-use tokens mailed for a password reset, an email verification or an email change, kept in the
 * accounts database (a restart or a Redis failover does not void a link in someone's
 * inbox). A token is 256 random bits, base64url; only its SHA-256 is stored, so the
 * table alone opens nothing. `consume` deletes the row in the same statement that reads
 * it: of concurrent uses exactly one succeeds. Expired rows are deleted as they are met
 * and in batches by `pruneExpired`.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from './directory/database.js';

export type TokenPurpose = 'password_reset' | 'email_verification' | 'email_change';

export interface TokenGrant {
  userId: string;
  /** The address the token was mailed to (verification marks exactly this one). */
  email: string;
}

/** 43 base64url characters = 256 bits. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export class OneTimeTokens {
  constructor(private readonly db: Queryable) {}

  /** A new token for `grant`, valid `ttlSeconds`; earlier tokens of the same purpose stay valid. */
  async issue(purpose: TokenPurpose, grant: TokenGrant, ttlSeconds: number): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.db.query(
      `INSERT INTO one_time_tokens (token_hash, purpose, user_id, email, expires_at)
       VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))`,
      [hashToken(token), purpose, grant.userId, grant.email, ttlSeconds],
    );
    return token;
  }

  /** What the token grants, if it is live; it stays usable (see `consume`). */
  async peek(purpose: TokenPurpose, token: string): Promise<TokenGrant | null> {
    if (!TOKEN_SHAPE.test(token)) return null;
    const rows = await this.db.query<{ user_id: string; email: string }>(
      `SELECT user_id, email FROM one_time_tokens
       WHERE token_hash = $1 AND purpose = $2 AND expires_at > now()`,
      [hashToken(token), purpose],
    );
    const row = rows[0];
    return row ? { userId: row.user_id, email: row.email } : null;
  }

  /** Uses the token up: what it granted, or null when it was unknown, used or expired. */
  async consume(purpose: TokenPurpose, token: string): Promise<TokenGrant | null> {
    if (!TOKEN_SHAPE.test(token)) return null;
    const rows = await this.db.query<{ user_id: string; email: string; live: boolean }>(
      `DELETE FROM one_time_tokens WHERE token_hash = $1 AND purpose = $2
       RETURNING user_id, email, expires_at > now() AS live`,
      [hashToken(token), purpose],
    );
    const row = rows[0];
    return row?.live ? { userId: row.user_id, email: row.email } : null;
  }

  /** Voids every token of the user for `purpose` (after a reset, the other links die too). */
  async revokeAll(purpose: TokenPurpose, userId: string): Promise<number> {
    const rows = await this.db.query(
      'DELETE FROM one_time_tokens WHERE user_id = $1 AND purpose = $2 RETURNING token_hash',
      [userId, purpose],
    );
    return rows.length;
  }

  /** Deletes expired tokens, at most `limit` at a time; returns how many. */
  async pruneExpired(limit = 10_000): Promise<number> {
    const rows = await this.db.query(
      `DELETE FROM one_time_tokens WHERE token_hash IN (
         SELECT token_hash FROM one_time_tokens WHERE expires_at <= now() LIMIT $1
       ) RETURNING token_hash`,
      [limit],
    );
    return rows.length;
  }
}
