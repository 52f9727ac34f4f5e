/**
 * The one small SQL abstraction the accounts directory runs on, implemented over
 * PostgreSQL (`pg`) and the embedded PGlite: parameterised queries, transactions,
 * ping, close. Both speak the same SQL. Failures are classified once here: the
 * database being unreachable, overloaded or past its timeout is a
 * DatabaseUnavailableError (503, retry later); anything else (bad SQL, a constraint
 * the caller did not expect) is an InternalError (a bug). Unique violations are
 * surfaced as UniqueViolation so callers can turn them into an outcome.
 */
import { DatabaseUnavailableError, InternalError } from '../../errors.js';

export interface Queryable {
  query<T extends object = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
}

/**
 * The connections of the accounts database in this process: PostgreSQL's pool (`pg`),
 * or PGlite's one in-process connection (`max` 1; a query waits while another runs).
 */
export interface DatabasePoolStats {
  /** Connections allowed (DATABASE_POOL_SIZE; 1 for PGlite). */
  max: number;
  /** Open connections, busy or idle. */
  total: number;
  idle: number;
  /** Queries (or transactions) waiting for a connection. */
  waiting: number;
}

export interface Database extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** A snapshot of the connections, read by /metrics. */
  poolStats(): DatabasePoolStats;
  /** Runs `fn` in one transaction (committed when it resolves, rolled back when it throws). */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** A cheap round trip, bounded by the statement timeout. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A unique constraint refused a write; `constraint` names it. */
export class UniqueViolation extends Error {
  constructor(readonly constraint: string | undefined) {
    super(`unique constraint ${constraint ?? ''} violated`);
    this.name = 'UniqueViolation';
  }
}

/** SQLSTATE classes and codes that mean "not now", not "never". */
function isUnavailableCode(code: string): boolean {
  return (
    code.startsWith('08') || // connection exception
    code === '57P01' || // admin_shutdown
    code === '57P02' || // crash_shutdown
    code === '57P03' || // cannot_connect_now
    code === '57014' || // query_canceled (statement_timeout)
    code === '25006' || // read_only_sql_transaction (the host became a standby)
    code === '53300' || // too_many_connections
    code === '53000' || // insufficient_resources
    code === '40001' || // serialization_failure
    code === '40P01' // deadlock_detected
  );
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** Maps any failure of a query to the catalogue (never leaks SQL or credentials to clients). */
export function classifyDatabaseError(err: unknown): Error {
  if (
    err instanceof DatabaseUnavailableError ||
    err instanceof UniqueViolation ||
    err instanceof InternalError
  ) {
    return err;
  }
  const e = err as { code?: unknown; constraint?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = typeof e?.message === 'string' ? e.message : String(err);
  if (code === '23505')
    return new UniqueViolation(typeof e?.constraint === 'string' ? e.constraint : undefined);
  if (isUnavailableCode(code) || NETWORK_CODES.has(code)) {
    const reason = code === '57014' ? 'timeout' : 'disconnected';
    return new DatabaseUnavailableError(reason, undefined, { cause: err });
  }
  if (/timeout|terminated|Connection terminated|not queryable|closed|ended/i.test(message) && !code) {
    return new DatabaseUnavailableError(/timeout/i.test(message) ? 'timeout' : 'disconnected', undefined, {
      cause: err,
    });
  }
  return new InternalError(`database query failed (${code || 'no SQLSTATE'}): ${message}`, { cause: err });
}
