/**
 * The UserDirectory over SQL (PostgreSQL or PGlite, one dialect). Pages are keyset
 * pages (no OFFSET): accounts by email, audit events by id descending; cursors are
 * opaque base64url strings.
 */
import { InvalidRequestError } from '../../errors.js';
import { UniqueViolation, type Database } from './database.js';
import type {
  Account,
  AccountSearch,
  AuditEvent,
  AuditQuery,
  NewAccount,
  NewAuditEvent,
  Page,
  UserDirectory,
} from './user-directory.js';

interface AccountRow {
  id: string;
  email: string;
  password_hash: string | null;
  roles: string[];
  disabled: boolean;
  email_verified: boolean;
  security_stamp: string;
  mfa_enabled: boolean;
  created_at: Date | string;
  updated_at: Date | string;
}

interface AuditRow {
  id: string | number | bigint;
  at: Date | string;
  type: string;
  user_id: string | null;
  actor_id: string | null;
  ip: string | null;
  user_agent: string | null;
  detail: Record<string, unknown> | string | null;
}

const ACCOUNT_COLUMNS =
  'id, email, password_hash, roles, disabled, email_verified, security_stamp, created_at, updated_at, ' +
  'EXISTS (SELECT 1 FROM totp_factors t WHERE t.user_id = users.id AND t.enabled_at IS NOT NULL) AS mfa_enabled';

const toDate = (v: Date | string): Date => (v instanceof Date ? v : new Date(v));

function toAccount(r: AccountRow): Account {
  return {
    id: r.id,
    email: r.email,
    passwordHash: r.password_hash,
    roles: [...r.roles],
    disabled: r.disabled,
    emailVerified: r.email_verified,
    securityStamp: r.security_stamp,
    mfaEnabled: r.mfa_enabled,
    createdAt: toDate(r.created_at),
    updatedAt: toDate(r.updated_at),
  };
}

function toAuditEvent(r: AuditRow): AuditEvent {
  const detail = typeof r.detail === 'string' ? (JSON.parse(r.detail) as Record<string, unknown>) : r.detail;
  return {
    id: String(r.id),
    at: toDate(r.at),
    type: r.type,
    userId: r.user_id,
    actorId: r.actor_id,
    ip: r.ip,
    userAgent: r.user_agent,
    detail: detail ?? {},
  };
}

const encodeCursor = (v: string): string => Buffer.from(v, 'utf8').toString('base64url');

function decodeCursor(cursor: string | undefined, valid: RegExp): string | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  const v = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!valid.test(v)) throw new InvalidRequestError('cursor is not one this server gave out');
  return v;
}

/** LIKE pattern for a substring, with the wildcards of the input escaped. */
const containing = (q: string): string => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class SqlUserDirectory implements UserDirectory {
  /** The database it runs on; the other account tables' stores share it. */
  constructor(readonly db: Database) {}

  private async one(sql: string, params: readonly unknown[]): Promise<Account | null> {
    const rows = await this.db.query<AccountRow>(sql, params);
    return rows[0] ? toAccount(rows[0]) : null;
  }

  async createAccount(a: NewAccount): Promise<Account | 'email_taken'> {
    try {
      const account = await this.one(
        `INSERT INTO users (id, email, password_hash, roles, email_verified, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, COALESCE($6, now()), COALESCE($6, now()))
         RETURNING ${ACCOUNT_COLUMNS}`,
        [a.id, a.email, a.passwordHash, a.roles ?? [], a.emailVerified ?? false, a.createdAt ?? null],
      );
      return account!;
    } catch (err) {
      if (err instanceof UniqueViolation && err.constraint !== 'users_pkey') return 'email_taken';
      throw err;
    }
  }

  findByEmail(email: string): Promise<Account | null> {
    return this.one(`SELECT ${ACCOUNT_COLUMNS} FROM users WHERE email = $1`, [email]);
  }

  findById(id: string): Promise<Account | null> {
    if (!UUID.test(id)) return Promise.resolve(null);
    return this.one(`SELECT ${ACCOUNT_COLUMNS} FROM users WHERE id = $1`, [id]);
  }

  private update(id: string, set: string, params: readonly unknown[]): Promise<Account | null> {
    if (!UUID.test(id)) return Promise.resolve(null);
    return this.one(
      `UPDATE users SET ${set}, updated_at = now() WHERE id = $1 RETURNING ${ACCOUNT_COLUMNS}`,
      [id, ...params],
    );
  }

  setPasswordHash(id: string, passwordHash: string): Promise<Account | null> {
    return this.update(id, 'password_hash = $2, security_stamp = gen_random_uuid()', [passwordHash]);
  }

  setDisabled(id: string, disabled: boolean): Promise<Account | null> {
    return this.update(
      id,
      'disabled = $2, security_stamp = CASE WHEN $2 THEN gen_random_uuid() ELSE security_stamp END',
      [disabled],
    );
  }

  setRoles(id: string, roles: readonly string[]): Promise<Account | null> {
    return this.update(id, 'roles = $2', [[...new Set(roles)].sort()]);
  }

  setEmailVerified(id: string): Promise<Account | null> {
    return this.update(id, 'email_verified = true', []);
  }

  async changeEmail(id: string, fromEmail: string, toEmail: string): Promise<Account | 'email_taken' | null> {
    if (!UUID.test(id)) return null;
    try {
      return await this.one(
        `UPDATE users SET email = $3, email_verified = true, updated_at = now()
         WHERE id = $1 AND email = $2 RETURNING ${ACCOUNT_COLUMNS}`,
        [id, fromEmail, toEmail],
      );
    } catch (err) {
      if (err instanceof UniqueViolation && err.constraint !== 'users_pkey') return 'email_taken';
      throw err;
    }
  }

  async deleteAccount(id: string): Promise<boolean> {
    if (!UUID.test(id)) return false;
    const rows = await this.db.query<{ id: string }>('DELETE FROM users WHERE id = $1 RETURNING id', [id]);
    return rows.length === 1;
  }

  async searchAccounts(search: AccountSearch): Promise<Page<Account>> {
    const after = decodeCursor(search.cursor, /^[^\s]+@[^\s]+$/);
    const limit = Math.max(1, Math.min(100, search.limit));
    const rows = await this.db.query<AccountRow>(
      `SELECT ${ACCOUNT_COLUMNS} FROM users
       WHERE ($1::text IS NULL OR email ILIKE $1 ESCAPE '\\')
         AND ($2::text IS NULL OR email > $2)
       ORDER BY email
       LIMIT $3`,
      [search.query ? containing(search.query) : null, after ?? null, limit + 1],
    );
    const items = rows.slice(0, limit).map(toAccount);
    const more = rows.length > limit;
    return { items, nextCursor: more ? encodeCursor(items[items.length - 1]!.email) : null };
  }

  async appendAudit(e: NewAuditEvent): Promise<void> {
    await this.db.query(
      `INSERT INTO audit_events (type, user_id, actor_id, ip, user_agent, detail)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb)`,
      [e.type, e.userId, e.actorId, e.ip, e.userAgent, JSON.stringify(e.detail)],
    );
  }

  async listAudit(q: AuditQuery): Promise<Page<AuditEvent>> {
    const before = decodeCursor(q.cursor, /^\d{1,19}$/);
    const limit = Math.max(1, Math.min(200, q.limit));
    if (q.userId !== undefined && !UUID.test(q.userId)) return { items: [], nextCursor: null };
    const rows = await this.db.query<AuditRow>(
      `SELECT id, at, type, user_id, actor_id, ip, user_agent, detail FROM audit_events
       WHERE ($1::uuid IS NULL OR user_id = $1)
         AND ($2::text IS NULL OR type = $2)
         AND ($3::bigint IS NULL OR id < $3)
       ORDER BY id DESC
       LIMIT $4`,
      [q.userId ?? null, q.type ?? null, before ?? null, limit + 1],
    );
    const items = rows.slice(0, limit).map(toAuditEvent);
    const more = rows.length > limit;
    return { items, nextCursor: more ? encodeCursor(items[items.length - 1]!.id) : null };
  }

  async pruneAudit(olderThanDays: number): Promise<number> {
    const rows = await this.db.query<{ n: string | number }>(
      `WITH gone AS (DELETE FROM audit_events WHERE at < now() - make_interval(days => $1) RETURNING 1)
       SELECT count(*) AS n FROM gone`,
      [olderThanDays],
    );
    return Number(rows[0]?.n ?? 0);
  }

  ping(): Promise<void> {
    return this.db.ping();
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
