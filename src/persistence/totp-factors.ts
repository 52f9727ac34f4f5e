/**
 * The TOTP factor of each account and its recovery codes, in the accounts database.
 * The secret is stored sealed (SecretBox, context `totp:<user id>`); `last_step` is the
 * newest time step a code was accepted for, advanced with a compare-and-set so that a
 * code is accepted once even when two workers check it at the same moment. A recovery
 * code is marked used in one conditional UPDATE for the same reason.
 */
import type { Database } from './directory/database.js';

export interface TotpFactor {
  userId: string;
  secretSealed: string;
  /** Null while set up but not yet confirmed with a first code. */
  enabledAt: Date | null;
  lastStep: number;
}

interface FactorRow {
  user_id: string;
  secret_sealed: string;
  enabled_at: Date | string | null;
  last_step: string | number;
}

const toFactor = (r: FactorRow): TotpFactor => ({
  userId: r.user_id,
  secretSealed: r.secret_sealed,
  enabledAt: r.enabled_at === null ? null : new Date(r.enabled_at),
  lastStep: Number(r.last_step),
});

export class TotpFactors {
  constructor(private readonly db: Database) {}

  async find(userId: string): Promise<TotpFactor | null> {
    const rows = await this.db.query<FactorRow>(
      'SELECT user_id, secret_sealed, enabled_at, last_step FROM totp_factors WHERE user_id = $1',
      [userId],
    );
    return rows[0] ? toFactor(rows[0]) : null;
  }

  /**
   * Keeps a new, not yet enabled secret (replacing an earlier unconfirmed one). Returns
   * false, changing nothing, when TOTP is already enabled.
   */
  async savePending(userId: string, secretSealed: string): Promise<boolean> {
    const rows = await this.db.query(
      `INSERT INTO totp_factors (user_id, secret_sealed) VALUES ($1, $2)
       ON CONFLICT (user_id) DO UPDATE SET secret_sealed = EXCLUDED.secret_sealed, last_step = 0,
         created_at = now()
       WHERE totp_factors.enabled_at IS NULL
       RETURNING user_id`,
      [userId, secretSealed],
    );
    return rows.length === 1;
  }

  /**
   * Accepts the code of `step` once: advances last_step when it is still below `step`.
   * `enabled` says which state the factor must be in (pending for the first code).
   */
  async claimStep(userId: string, step: number, enabled: boolean): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE totp_factors SET last_step = $2
       WHERE user_id = $1 AND last_step < $2 AND (enabled_at IS NOT NULL) = $3
       RETURNING user_id`,
      [userId, step, enabled],
    );
    return rows.length === 1;
  }

  /** Turns a pending factor on with its recovery codes (hashes), in one transaction. */
  async enable(userId: string, recoveryCodeHashes: readonly string[]): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const rows = await tx.query(
        `UPDATE totp_factors SET enabled_at = now() WHERE user_id = $1 AND enabled_at IS NULL
         RETURNING user_id`,
        [userId],
      );
      if (rows.length !== 1) return false;
      await tx.query('DELETE FROM recovery_codes WHERE user_id = $1', [userId]);
      for (const hash of recoveryCodeHashes) {
        await tx.query('INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)', [userId, hash]);
      }
      return true;
    });
  }

  /** Replaces the recovery codes of an enabled factor (hashes); false when TOTP is not on. */
  async replaceRecoveryCodes(userId: string, recoveryCodeHashes: readonly string[]): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const on = await tx.query(
        'SELECT user_id FROM totp_factors WHERE user_id = $1 AND enabled_at IS NOT NULL FOR UPDATE',
        [userId],
      );
      if (on.length !== 1) return false;
      await tx.query('DELETE FROM recovery_codes WHERE user_id = $1', [userId]);
      for (const hash of recoveryCodeHashes) {
        await tx.query('INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)', [userId, hash]);
      }
      return true;
    });
  }

  /** Removes the factor and its recovery codes; false when there was none. */
  async remove(userId: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await tx.query('DELETE FROM recovery_codes WHERE user_id = $1', [userId]);
      const rows = await tx.query('DELETE FROM totp_factors WHERE user_id = $1 RETURNING user_id', [userId]);
      return rows.length === 1;
    });
  }

  /** Hashes of the recovery codes not used yet. */
  async unusedRecoveryCodes(userId: string): Promise<string[]> {
    const rows = await this.db.query<{ code_hash: string }>(
      'SELECT code_hash FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL',
      [userId],
    );
    return rows.map((r) => r.code_hash);
  }

  /** Marks one recovery code used; false when it was used meanwhile. */
  async useRecoveryCode(userId: string, codeHash: string): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE recovery_codes SET used_at = now()
       WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL RETURNING user_id`,
      [userId, codeHash],
    );
    return rows.length === 1;
  }

  /** Stores the secret sealed again (under the current key, after a key rotation). */
  async reseal(userId: string, oldSealed: string, newSealed: string): Promise<void> {
    await this.db.query(
      'UPDATE totp_factors SET secret_sealed = $3 WHERE user_id = $1 AND secret_sealed = $2',
      [userId, oldSealed, newSealed],
    );
  }
}
