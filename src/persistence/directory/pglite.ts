/**
 * The embedded accounts database: real PostgreSQL compiled to WebAssembly (PGlite),
 * persisted in a directory (default ./var/db), or in memory for tests. One process
 * only: a lock file holding the owner's PID guards the directory, so a second server
 * or a CLI command on the same directory fails with a clear message instead of
 * corrupting it. (The config refuses WORKERS > 1 without DATABASE_URL for the same
 * reason.) The first start creates the database, which takes a few seconds.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { classifyDatabaseError, type Database, type Queryable } from './database.js';

export interface PGliteOptions {
  /** A directory to persist in, or undefined for an in-memory database. */
  dataDir: string | undefined;
  /** A dump (`dumpDataDir`) to start from instead of creating the database (tests). */
  loadDataDir?: Blob;
}

const LOCK_FILE = 'tollgate.lock';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the directory's lock, or throws naming the process that holds it. */
function lock(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx', mode: 0o600 });
      return () => rmSync(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(readFileSync(path, 'utf8').trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
        throw new Error(
          `the embedded database ${dataDir} is in use by process ${owner}: PGlite serves one process only. ` +
            'Stop that process, or set DATABASE_URL to use PostgreSQL.',
        );
      }
      rmSync(path, { force: true }); // stale: its owner is gone
    }
  }
  throw new Error(`could not lock the embedded database ${dataDir}`);
}

async function run<T extends object>(
  db: Queryable | PGlite,
  sql: string,
  params: readonly unknown[] = [],
): Promise<T[]> {
  try {
    if (db instanceof PGlite) return (await db.query<T>(sql, params as unknown[])).rows;
    return await db.query<T>(sql, params);
  } catch (err) {
    throw classifyDatabaseError(err);
  }
}

export async function openPGlite(options: PGliteOptions): Promise<Database> {
  const unlock = options.dataDir ? lock(options.dataDir) : () => undefined;
  let db: PGlite;
  try {
    db = new PGlite({
      ...(options.dataDir ? { dataDir: options.dataDir } : {}),
      ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
    });
    await db.waitReady;
  } catch (err) {
    unlock();
    throw err;
  }
  let closed = false;
  // PGlite runs one statement or transaction at a time: what is started beyond the first waits.
  let started = 0;
  const counted = <T>(work: () => Promise<T>): Promise<T> => {
    started += 1;
    return work().finally(() => {
      started -= 1;
    });
  };
  return {
    kind: 'pglite',
    poolStats: () => ({
      max: 1,
      total: closed ? 0 : 1,
      idle: closed || started > 0 ? 0 : 1,
      waiting: Math.max(0, started - 1),
    }),
    query: (sql, params) => counted(() => run(db, sql, params)),
    transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      return counted(() =>
        db
          .transaction((tx) =>
            fn({
              query: async <R extends object>(sql: string, params?: readonly unknown[]) => {
                try {
                  return (await tx.query<R>(sql, params as unknown[])).rows;
                } catch (err) {
                  throw classifyDatabaseError(err);
                }
              },
            }),
          )
          .catch((err: unknown) => {
            throw classifyDatabaseError(err);
          }),
      );
    },
    async ping() {
      await counted(() => run(db, 'SELECT 1'));
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await db.close();
      } finally {
        unlock();
      }
    },
  };
}

/**
 * Makes a database in memory, lets `setup` prepare it (e.g. run the migrations) and
 * returns a dump of it: opening a copy from a dump takes a second where creating a
 * database takes several (tests start many).
 */
export async function preparedPGliteDump(setup: (db: Database) => Promise<void>): Promise<Blob> {
  const raw = new PGlite();
  await raw.waitReady;
  try {
    const wrapped: Database = {
      kind: 'pglite',
      poolStats: () => ({ max: 1, total: 1, idle: 1, waiting: 0 }),
      query: (sql, params) => run(raw, sql, params),
      transaction: (fn) =>
        raw.transaction((tx) =>
          fn({ query: async (sql, params) => (await tx.query(sql, params as unknown[])).rows as never }),
        ),
      ping: async () => undefined,
      close: async () => undefined,
    };
    await setup(wrapped);
    return await raw.dumpDataDir('none');
  } finally {
    await raw.close();
  }
}
