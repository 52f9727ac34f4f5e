/**
 * The accounts database: PostgreSQL when DATABASE_URL is set, else the embedded PGlite.
 * DATABASE_URL may name several hosts (`postgres://u:p@h1:5432,h2:5432/db`) as libpq
 * does; tollgate picks one itself (src/persistence/directory/postgres.ts), so the URL is
 * split here into one single-host URL per host.
 */
import { join } from 'node:path';
import { int, secret, text, type Section } from '../declare.js';
import type { Reader } from '../reader.js';
import type { DatabaseConfig } from '../schema.js';
import type { ServerSection } from './server.js';

const DATABASE_URL = secret({
  name: 'DATABASE_URL',
  what: 'URL file',
  unset: 'the embedded PGlite in `DATABASE_DIR`',
  meaning:
    'PostgreSQL for the accounts: `postgres://user:password@host:port/db`; required in production and for `WORKERS` > 1',
  details:
    '. Several hosts (`@h1:5432,h2:5432/db?target_session_attrs=read-write`): tollgate uses the one that accepts writes and follows a failover (docs/operations.md)',
  example: 'postgres://tollgate@127.0.0.1:5432/tollgate',
});

const DATABASE_DIR = text({
  name: 'DATABASE_DIR',
  computed: '`<VAR_DIR>/db`',
  meaning: 'where the embedded database (PGlite, one process only) keeps its files',
});

const DATABASE_POOL_SIZE = int({
  name: 'DATABASE_POOL_SIZE',
  default: 10,
  min: 1,
  max: 1000,
  meaning: 'PostgreSQL connections for the whole process group; each worker gets its share',
});

const DATABASE_CONNECT_TIMEOUT_MS = int({
  name: 'DATABASE_CONNECT_TIMEOUT_MS',
  default: 5000,
  min: 100,
  max: 120_000,
  meaning: 'connect timeout',
});

const DATABASE_STATEMENT_TIMEOUT_MS = int({
  name: 'DATABASE_STATEMENT_TIMEOUT_MS',
  default: 2000,
  min: 100,
  max: 120_000,
  meaning: 'a query not answered by then is cancelled and the request answered 503',
});

const AUDIT_RETENTION_DAYS = int({
  name: 'AUDIT_RETENTION_DAYS',
  default: 90,
  min: 1,
  max: 36_500,
  meaning: 'security events older than this are deleted (hourly)',
});

export const DATABASE: Section = {
  title: 'Accounts database',
  variables: [
    DATABASE_URL,
    DATABASE_DIR,
    DATABASE_POOL_SIZE,
    DATABASE_CONNECT_TIMEOUT_MS,
    DATABASE_STATEMENT_TIMEOUT_MS,
    AUDIT_RETENTION_DAYS,
  ],
};

export function readDatabase(r: Reader, server: ServerSection, varDir: string): DatabaseConfig {
  const url = DATABASE_URL.read(r);
  if (url !== undefined && !/^postgres(ql)?:\/\//.test(url)) {
    r.issue(DATABASE_URL.name, 'must be a postgres:// or postgresql:// URL');
  }
  if (url === undefined) {
    if (server.production) {
      r.issue(
        DATABASE_URL.name,
        'production needs PostgreSQL for the accounts (set DATABASE_URL or DATABASE_URL_FILE)',
      );
    } else if (server.workers > 1) {
      r.issue(
        DATABASE_URL.name,
        `the embedded database (PGlite) serves one process, so ${server.workers} workers need PostgreSQL: set DATABASE_URL or WORKERS=1`,
      );
    }
  }
  const { hosts, targetSessionAttrs } = url
    ? splitHosts(r, url)
    : { hosts: [], targetSessionAttrs: 'any' as const };
  const poolSizeTotal = DATABASE_POOL_SIZE.read(r);
  return {
    url,
    hosts,
    targetSessionAttrs,
    dataDir: DATABASE_DIR.read(r, join(varDir, 'db')),
    poolSize: Math.max(1, Math.ceil(poolSizeTotal / server.workers)),
    connectTimeoutMs: DATABASE_CONNECT_TIMEOUT_MS.read(r),
    statementTimeoutMs: DATABASE_STATEMENT_TIMEOUT_MS.read(r),
    auditRetentionDays: AUDIT_RETENTION_DAYS.read(r),
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
  if (names.some((h) => h === '')) r.issue(DATABASE_URL.name, 'has an empty host in its host list');
  const hosts = names.map(
    (h) => `${scheme}${userinfo !== undefined ? `${userinfo}@` : ''}${h}${path}${rest ? `?${rest}` : ''}`,
  );
  let targetSessionAttrs: 'any' | 'read-write' = hosts.length > 1 ? 'read-write' : 'any';
  if (attrs === 'read-write' || attrs === 'primary') targetSessionAttrs = 'read-write';
  else if (attrs === 'any') targetSessionAttrs = 'any';
  else if (attrs !== null) {
    r.issue(
      DATABASE_URL.name,
      `target_session_attrs=${attrs} is not supported (read-write, primary or any): tollgate writes accounts`,
    );
  }
  return { hosts, targetSessionAttrs };
}
