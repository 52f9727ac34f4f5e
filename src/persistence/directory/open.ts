/**
 * Opens the accounts database the config names (PostgreSQL, or PGlite in its data
 * directory) and brings its schema up to date.
 */
import type { DatabaseConfig } from '../../config/schema.js';
import type { Database } from './database.js';
import { migrate, type MigrationReport } from './migrate.js';
import { openPGlite } from './pglite.js';
import { openPostgres } from './postgres.js';

/** Told when the PostgreSQL pool moves to another host of a multi-host DATABASE_URL. */
export type HostChangeListener = (host: string, previous: string | undefined) => void;

/** `host:port` of a single-host URL, for logs (no credentials). */
function hostOf(url: string): string {
  const m = /^[a-z]+:\/\/(?:[^@/]*@)?([^/?#]*)/i.exec(url);
  return m?.[1] ?? 'unknown';
}

export function openDatabase(config: DatabaseConfig, onHostChange?: HostChangeListener): Promise<Database> {
  if (config.url) {
    const hosts = config.hosts.length > 0 ? config.hosts : [config.url];
    return Promise.resolve(
      openPostgres({
        hosts,
        requireReadWrite: config.targetSessionAttrs === 'read-write',
        onHostChange: (index, previous) =>
          onHostChange?.(
            hostOf(hosts[index]!),
            previous === undefined ? undefined : hostOf(hosts[previous]!),
          ),
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
  onHostChange?: HostChangeListener,
): Promise<{ database: Database; migration: MigrationReport }> {
  const database = opened ?? (await openDatabase(config, onHostChange));
  try {
    return { database, migration: await migrate(database) };
  } catch (err) {
    await database.close().catch(() => undefined);
    throw err;
  }
}
