/** The accounts database: PostgreSQL when DATABASE_URL is set, else the embedded PGlite. */
import { join } from 'node:path';
import type { Reader } from '../reader.js';
import type { DatabaseConfig } from '../schema.js';
import type { ServerSection } from './server.js';

export function readDatabase(r: Reader, server: ServerSection, varDir: string): DatabaseConfig {
  const url = r.secret('DATABASE_URL', 'URL file');
  if (url !== undefined && !/^postgres(ql)?:\/\//.test(url)) {
    r.issue('DATABASE_URL', 'must be a postgres:// or postgresql:// URL');
  }
  if (url === undefined) {
    if (server.production) {
      r.issue(
        'DATABASE_URL',
        'production needs PostgreSQL for the accounts (set DATABASE_URL or DATABASE_URL_FILE)',
      );
    } else if (server.workers > 1) {
      r.issue(
        'DATABASE_URL',
        `the embedded database (PGlite) serves one process, so ${server.workers} workers need PostgreSQL: set DATABASE_URL or WORKERS=1`,
      );
    }
  }
  const poolSizeTotal = r.int('DATABASE_POOL_SIZE', 10, 1, 1000);
  return {
    url,
    dataDir: r.string('DATABASE_DIR', join(varDir, 'db')),
    poolSize: Math.max(1, Math.ceil(poolSizeTotal / server.workers)),
    connectTimeoutMs: r.int('DATABASE_CONNECT_TIMEOUT_MS', 5000, 100, 120_000),
    statementTimeoutMs: r.int('DATABASE_STATEMENT_TIMEOUT_MS', 2000, 100, 120_000),
    auditRetentionDays: r.int('AUDIT_RETENTION_DAYS', 90, 1, 36_500),
  };
}
