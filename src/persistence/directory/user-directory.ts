/**
 * The accounts directory: durable accounts and the audit log, in SQL. One
 * implementation (sql-user-directory.ts) over PostgreSQL or PGlite; both pass one
 * contract suite (test/helpers/user-directory-contract.ts).
 *
 * It stores what it is given: emails arrive normalised (src/auth/email.ts), passwords
 * arrive hashed. Every method either completes or throws DatabaseUnavailableError
 * (503); an unexpected database error is an InternalError.
 */

export interface Account {
  id: string;
  email: string;
  /** argon2id PHC string; null for an account without a password. */
  passwordHash: string | null;
  roles: string[];
  disabled: boolean;
  emailVerified: boolean;
  /**
   * Changes whenever the account's credentials or standing change (password, disable,
   * delete): a login that read the old stamp must not leave a session behind.
   */
  securityStamp: string;
  /** A confirmed TOTP factor exists: a correct password opens no session by itself. */
  mfaEnabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewAccount {
  id: string;
  email: string;
  passwordHash: string | null;
  roles?: string[];
  emailVerified?: boolean;
  /** Kept when importing existing accounts; now otherwise. */
  createdAt?: Date;
}

export interface Page<T> {
  items: T[];
  /** Pass back to get the next page; null on the last one. */
  nextCursor: string | null;
}

export interface AccountSearch {
  /** A substring of the email (case-insensitive); everything when empty. */
  query?: string;
  cursor?: string;
  limit: number;
}

export interface AuditEvent {
  id: string;
  at: Date;
  type: string;
  userId: string | null;
  /** Who did it, when not the user themselves (an administrator). */
  actorId: string | null;
  ip: string | null;
  userAgent: string | null;
  detail: Record<string, unknown>;
}

export type NewAuditEvent = Omit<AuditEvent, 'id' | 'at'>;

export interface AuditQuery {
  userId?: string;
  type?: string;
  cursor?: string;
  limit: number;
}

export interface UserDirectory {
  /** Creates an account; `email_taken` when the (normalised) email exists. */
  createAccount(account: NewAccount): Promise<Account | 'email_taken'>;
  /** One indexed lookup (login uses it). */
  findByEmail(email: string): Promise<Account | null>;
  findById(id: string): Promise<Account | null>;
  /** Sets a new password hash and a new security stamp. */
  setPasswordHash(id: string, passwordHash: string): Promise<Account | null>;
  /** Disables or enables; disabling changes the security stamp. */
  setDisabled(id: string, disabled: boolean): Promise<Account | null>;
  setRoles(id: string, roles: readonly string[]): Promise<Account | null>;
  setEmailVerified(id: string): Promise<Account | null>;
  /**
   * Moves the account to a new (normalised, proven) address, marked verified, only if it
   * still has `fromEmail`; `email_taken` when another account has the new one.
   */
  changeEmail(id: string, fromEmail: string, toEmail: string): Promise<Account | 'email_taken' | null>;
  deleteAccount(id: string): Promise<boolean>;
  /** Accounts by email, in email order, a page at a time. */
  searchAccounts(search: AccountSearch): Promise<Page<Account>>;

  appendAudit(event: NewAuditEvent): Promise<void>;
  /** Newest first. */
  listAudit(query: AuditQuery): Promise<Page<AuditEvent>>;
  /** Deletes events older than the given number of days; returns how many. */
  pruneAudit(olderThanDays: number): Promise<number>;

  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Roles an account may have. */
export const ROLES = ['admin'] as const;
export type Role = (typeof ROLES)[number];
