/**
 * The accounts database: PostgreSQL when DATABASE_URL is set, else the embedded PGlite.
 * DATABASE_URL may name several hosts (`postgres://u:p@h1:5432,h2:5432/db`) as libpq
 * does; tollgate picks one itself (src/persistence/directory/postgres.ts), so the URL is
 * split here into one single-host URL per host.
 */
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
  const { hosts, targetSessionAttrs } = url
    ? splitHosts(r, url)
    : { hosts: [], targetSessionAttrs: 'any' as const };
  const poolSizeTotal = r.int('DATABASE_POOL_SIZE', 10, 1, 1000);
  return {
    url,
    hosts,
    targetSessionAttrs,
    dataDir: r.string('DATABASE_DIR', join(varDir, 'db')),
    poolSize: Math.max(1, Math.ceil(poolSizeTotal / server.workers)),
    connectTimeoutMs: r.int('DATABASE_CONNECT_TIMEOUT_MS', 5000, 100, 120_000),
    statementTimeoutMs: r.int('DATABASE_STATEMENT_TIMEOUT_MS', 2000, 100, 120_000),
    auditRetentionDays: r.int('AUDIT_RETENTION_DAYS', 90, 1, 36_500),
  };
}

const URL_PARTS = /^(postgres(?:ql)?:\/\/)(?:([^@/?#]*)@)?([^/?#]*)([^?#]*)(\?[^#]*)?(#.*)?$/;

/** Splits a (multi-host) PostgreSQL URL into single-host URLs and the session requirement. */
export function splitHosts(
  r: Pick<Reader, 'issue'>,
  url: string,
): { hosts: string[]; targetSessionAttrs: 'any' | 'read-write' } {
  const m = URL_PARTS.exec(url);
  if (!m) return { hosts: [url], targetSessionAttrs: 'any' };
  const [, scheme, userinfo, hostList = '', path = '', query = ''] = m;
  const params = new URLSearchParams(query.slice(1));
  const attrs = params.get('target_session_attrs');
  params.delete('target_session_attrs');
  const rest = params.toString();
  const names = hostList.split(',');
  if (names.some((h) => h === '')) r.issue('DATABASE_URL', 'has an empty host in its host list');
  const hosts = names.map(
    (h) => `${scheme}${userinfo !== undefined ? `${userinfo}@` : ''}${h}${path}${rest ? `?${rest}` : ''}`,
  );
  let targetSessionAttrs: 'any' | 'read-write' = hosts.length > 1 ? 'read-write' : 'any';
  if (attrs === 'read-write' || attrs === 'primary') targetSessionAttrs = 'read-write';
  else if (attrs === 'any') targetSessionAttrs = 'any';
  else if (attrs !== null) {
    r.issue(
      'DATABASE_URL',
      `target_session_attrs=${attrs} is not supported (read-write, primary or any): tollgate writes accounts`,
    );
  }
  return { hosts, targetSessionAttrs };
}
