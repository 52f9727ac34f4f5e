/**
 * Opens the accounts database the config names (PostgreSQL, or PGlite in its data
 * directory) and brings its schema up to date.
 */
import type { DatabaseConfig } from '../../config/schema.js';
import type { Database } from './database.js';
import { migrate, type MigrationReport } from './migrate.js';
import { openPGlite } from './pglite.js';
import { openPostgres } from './postgres.js';

export function openDatabase(config: DatabaseConfig): Promise<Database> {
  if (config.url) {
    return Promise.resolve(
      openPostgres({
        url: config.url,
        poolSize: config.poolSize,
        connectTimeoutMs: config.connectTimeoutMs,
        statementTimeoutMs: config.statementTimeoutMs,
      }),
    );
  }
  return openPGlite({ dataDir: config.dataDir });
}

/** Opens and migrates; closes again if the migration fails. */
export async function openMigratedDatabase(
  config: DatabaseConfig,
  opened?: Database,
): Promise<{ database: Database; migration: MigrationReport }> {
  const database = opened ?? (await openDatabase(config));
  try {
    return { database, migration: await migrate(database) };
  } catch (err) {
    await database.close().catch(() => undefined);
    throw err;
  }
}
