/**
 * The durable record of every acknowledged end of a session, in the accounts database
 * (table `session_revocations`, migration 4). Redis holds the live state; this log is
 * what tollgate replays into Redis when Redis may have lost writes (docs/sessions.md).
 * Rows are kept until the session they end could no longer be alive, then pruned.
 */
import type { Database } from './database.js';
import type { Revocation, RevocationLog } from '../../store/revocations.js';

interface Row {
  id: string;
  user_id: string;
  session_id: string | null;
  keep_session_id: string | null;
}

const PAGE = 1000;

export class SqlRevocationLog implements RevocationLog {
  constructor(private readonly db: Database) {}

  async record(r: Revocation, keepSeconds: number): Promise<void> {
    await this.db.query(
      `INSERT INTO session_revocations (id, user_id, session_id, keep_session_id, expires_at)
       VALUES ($1, $2, $3, $4, clock_timestamp() + make_interval(secs => $5))
       ON CONFLICT (id) DO NOTHING`,
      [r.id, r.userId, r.sessionId, r.keepSessionId, keepSeconds],
    );
  }

  /**
   * Every unexpired revocation that can still matter, in pages: the latest end-of-all per
   * user (an earlier one is contained in it), then every single-session end.
   */
  async *pending(): AsyncGenerator<Revocation[]> {
    let after = '';
    for (;;) {
      const rows = await this.db.query<Row>(
        `SELECT DISTINCT ON (user_id) id, user_id, session_id, keep_session_id
           FROM session_revocations
          WHERE session_id IS NULL AND expires_at > now() AND user_id > $1
          ORDER BY user_id, revoked_at DESC, id DESC
          LIMIT ${PAGE}`,
        [after],
      );
      if (rows.length === 0) break;
      yield rows.map(toRevocation);
      after = rows[rows.length - 1]!.user_id;
    }
    after = '';
    for (;;) {
      const rows = await this.db.query<Row>(
        `SELECT id, user_id, session_id, keep_session_id FROM session_revocations
          WHERE session_id IS NOT NULL AND expires_at > now() AND id > $1
          ORDER BY id LIMIT ${PAGE}`,
        [after],
      );
      if (rows.length === 0) break;
      yield rows.map(toRevocation);
      after = rows[rows.length - 1]!.id;
    }
  }

  async prune(): Promise<number> {
    const rows = await this.db.query<{ n: string | number }>(
      `WITH gone AS (DELETE FROM session_revocations WHERE expires_at <= now() RETURNING 1)
       SELECT count(*) AS n FROM gone`,
    );
    return Number(rows[0]?.n ?? 0);
  }
}

function toRevocation(r: Row): Revocation {
  return { id: r.id, userId: r.user_id, sessionId: r.session_id, keepSessionId: r.keep_session_id };
}
