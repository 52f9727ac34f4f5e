/**
 * Applies the pending migrations in one transaction, under an advisory lock so that
 * several starting processes (workers, instances, `tollgate db migrate`) never apply
 * one twice. A database whose schema is newer than this build is refused.
 */
import type { Database } from './database.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from './migrations.js';

/** pg_advisory lock id: "tollgate" in ASCII, as a bigint. */
const MIGRATION_LOCK = '8386665390119495525';

export interface MigrationReport {
  /** Versions applied now. */
  applied: number[];
  /** The schema version after the run. */
  version: number;
}

export async function migrate(db: Database): Promise<MigrationReport> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK]);
    // Under the lock: two processes creating it at once on a new database collide in
    // PostgreSQL's catalogue even with IF NOT EXISTS.
    await tx.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`,
    );
    const rows = await tx.query<{ version: number }>('SELECT version FROM schema_migrations');
    const done = new Set(rows.map((r) => Number(r.version)));
    const newest = Math.max(0, ...done);
    if (newest > LATEST_SCHEMA_VERSION) {
      throw new Error(
        `the accounts database has schema version ${newest}, newer than this tollgate knows (${LATEST_SCHEMA_VERSION}): run a newer tollgate`,
      );
    }
    const applied: number[] = [];
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      for (const statement of m.statements) await tx.query(statement);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      applied.push(m.version);
    }
    return { applied, version: Math.max(newest, ...applied) };
  });
}
