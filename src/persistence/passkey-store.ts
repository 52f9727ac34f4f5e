/**
 * The passkeys of the accounts database (table `passkeys`, migration 3), over the same
 * SQL `Database` as the accounts directory (PostgreSQL or PGlite). It stores what it is
 * given: credentials arrive verified (the WebAuthn ceremonies are in this directory's
 * operations). Every method either completes or throws DatabaseUnavailableError (503).
 */
import { UniqueViolation, type Database } from './directory/database.js';

export type DeviceType = 'singleDevice' | 'multiDevice';

export interface Passkey {
  /** Our id (a UUID): what the owner lists and removes. */
  id: string;
  /** The WebAuthn credential id, base64url. */
  credentialId: string;
  userId: string;
  /** COSE public key. */
  publicKey: Uint8Array<ArrayBuffer>;
  /** The signature counter last seen (0 for authenticators that keep none). */
  counter: number;
  transports: string[];
  deviceType: DeviceType;
  backedUp: boolean;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export type NewPasskey = Omit<Passkey, 'createdAt' | 'lastUsedAt'>;

/** What the browser needs of a credential to offer it (allowCredentials, excludeCredentials). */
export interface CredentialDescriptor {
  credentialId: string;
  transports: string[];
}

export type UseOutcome =
  /** The counter moved forward (or the authenticator keeps none): recorded. */
  | { status: 'recorded'; passkey: Passkey }
  /** The counter did not move forward: a cloned authenticator (or a replay). Nothing changed. */
  | { status: 'regressed'; storedCounter: number }
  | { status: 'not_found' };

export type RemoveOutcome = 'removed' | 'not_found' | 'last_sign_in_method';

export interface PasskeyStore {
  /** Stores a verified credential; `duplicate` when the credential id is registered already. */
  add(passkey: NewPasskey): Promise<Passkey | 'duplicate'>;
  findByCredentialId(credentialId: string): Promise<Passkey | null>;
  /** The user's passkeys, oldest first. */
  listByUser(userId: string): Promise<Passkey[]>;
  /** The credentials of the account with this (normalised) email: one query, whether or not it exists. */
  credentialsByEmail(email: string): Promise<CredentialDescriptor[]>;
  /**
   * Records a verified assertion: the new counter, backup flag and time, atomically
   * and only if the counter moved forward (both zero: an authenticator without a
   * counter). Concurrent uses of one counter value: exactly one is recorded.
   */
  recordUse(credentialId: string, counter: number, backedUp: boolean): Promise<UseOutcome>;
  /**
   * Removes one of the user's passkeys, unless it is the account's last way to sign in
   * (no password and no other passkey). Checked and done in one transaction, with the
   * account row locked, so two concurrent removals cannot leave the account without any.
   */
  remove(userId: string, id: string): Promise<RemoveOutcome>;
  /** Removes every passkey of the user (a password reset, an administrator); returns how many. */
  removeAll(userId: string): Promise<number>;
}

interface PasskeyRow {
  id: string;
  credential_id: string;
  user_id: string;
  public_key: Uint8Array;
  counter: string | number;
  transports: string[];
  device_type: string;
  backed_up: boolean;
  name: string;
  created_at: Date | string;
  last_used_at: Date | string | null;
}

const COLUMNS =
  'id, credential_id, user_id, public_key, counter, transports, device_type, backed_up, name, created_at, last_used_at';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const toDate = (v: Date | string): Date => (v instanceof Date ? v : new Date(v));

function toPasskey(r: PasskeyRow): Passkey {
  return {
    id: r.id,
    credentialId: r.credential_id,
    userId: r.user_id,
    // pg gives a Buffer, PGlite a Uint8Array: one type out.
    publicKey: new Uint8Array(r.public_key),
    counter: Number(r.counter),
    transports: [...r.transports],
    deviceType: r.device_type === 'multiDevice' ? 'multiDevice' : 'singleDevice',
    backedUp: r.backed_up,
    name: r.name,
    createdAt: toDate(r.created_at),
    lastUsedAt: r.last_used_at === null ? null : toDate(r.last_used_at),
  };
}

export class SqlPasskeyStore implements PasskeyStore {
  constructor(private readonly db: Database) {}

  async add(p: NewPasskey): Promise<Passkey | 'duplicate'> {
    try {
      const rows = await this.db.query<PasskeyRow>(
        `INSERT INTO passkeys (id, credential_id, user_id, public_key, counter, transports, device_type, backed_up, name)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         RETURNING ${COLUMNS}`,
        [
          p.id,
          p.credentialId,
          p.userId,
          p.publicKey,
          p.counter,
          p.transports,
          p.deviceType,
          p.backedUp,
          p.name,
        ],
      );
      return toPasskey(rows[0]!);
    } catch (err) {
      if (err instanceof UniqueViolation && err.constraint === 'passkeys_credential_id_key')
        return 'duplicate';
      throw err;
    }
  }

  async findByCredentialId(credentialId: string): Promise<Passkey | null> {
    const rows = await this.db.query<PasskeyRow>(`SELECT ${COLUMNS} FROM passkeys WHERE credential_id = $1`, [
      credentialId,
    ]);
    return rows[0] ? toPasskey(rows[0]) : null;
  }

  async listByUser(userId: string): Promise<Passkey[]> {
    if (!UUID.test(userId)) return [];
    const rows = await this.db.query<PasskeyRow>(
      `SELECT ${COLUMNS} FROM passkeys WHERE user_id = $1 ORDER BY created_at, id`,
      [userId],
    );
    return rows.map(toPasskey);
  }

  async credentialsByEmail(email: string): Promise<CredentialDescriptor[]> {
    const rows = await this.db.query<{ credential_id: string; transports: string[] }>(
      `SELECT p.credential_id, p.transports FROM users u JOIN passkeys p ON p.user_id = u.id
       WHERE u.email = $1 ORDER BY p.created_at, p.id`,
      [email],
    );
    return rows.map((r) => ({ credentialId: r.credential_id, transports: [...r.transports] }));
  }

  async recordUse(credentialId: string, counter: number, backedUp: boolean): Promise<UseOutcome> {
    const rows = await this.db.query<PasskeyRow>(
      `UPDATE passkeys SET counter = $2, backed_up = $3, last_used_at = now()
       WHERE credential_id = $1 AND (counter < $2 OR (counter = 0 AND $2 = 0))
       RETURNING ${COLUMNS}`,
      [credentialId, counter, backedUp],
    );
    if (rows[0]) return { status: 'recorded', passkey: toPasskey(rows[0]) };
    const now = await this.db.query<{ counter: string | number }>(
      'SELECT counter FROM passkeys WHERE credential_id = $1',
      [credentialId],
    );
    return now[0] ? { status: 'regressed', storedCounter: Number(now[0].counter) } : { status: 'not_found' };
  }

  async remove(userId: string, id: string): Promise<RemoveOutcome> {
    if (!UUID.test(userId) || !UUID.test(id)) return 'not_found';
    return this.db.transaction(async (tx) => {
      const users = await tx.query<{ has_password: boolean }>(
        'SELECT password_hash IS NOT NULL AS has_password FROM users WHERE id = $1 FOR UPDATE',
        [userId],
      );
      if (!users[0]) return 'not_found';
      const mine = await tx.query<{ id: string }>('SELECT id FROM passkeys WHERE user_id = $1', [userId]);
      if (!mine.some((r) => r.id === id)) return 'not_found';
      if (!users[0].has_password && mine.length === 1) return 'last_sign_in_method';
      await tx.query('DELETE FROM passkeys WHERE id = $1 AND user_id = $2', [id, userId]);
      return 'removed';
    });
  }

  async removeAll(userId: string): Promise<number> {
    if (!UUID.test(userId)) return 0;
    const rows = await this.db.query('DELETE FROM passkeys WHERE user_id = $1 RETURNING id', [userId]);
    return rows.length;
  }
}
