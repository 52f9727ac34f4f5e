import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { migrate } from '../../src/persistence/directory/migrate.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../../src/persistence/directory/migrations.js';
import { openPostgres } from '../../src/persistence/directory/postgres.js';
import { SqlUserDirectory } from '../../src/persistence/directory/sql-user-directory.js';
import { DatabaseUnavailableError, InternalError } from '../../src/errors.js';
import { postgresDatabase, startPostgres, type PostgresHandle } from '../helpers/postgres-server.js';
import { userDirectoryContract } from '../helpers/user-directory-contract.js';
import { waitFor } from '../helpers/wait.js';

let pg: PostgresHandle;
before(async () => {
  pg = await startPostgres();
});
after(async () => pg?.stop());

userDirectoryContract('PostgreSQL', async () =>
  openPostgres({ url: pg.url, poolSize: 4, connectTimeoutMs: 2000, statementTimeoutMs: 2000 }),
);

describe('a new database migrated by several processes at once', () => {
  it('applies every migration exactly once, and every process starts', async () => {
    for (let round = 0; round < 5; round++) {
      const url = await postgresDatabase();
      const dbs = Array.from({ length: 4 }, () =>
        openPostgres({ url, poolSize: 1, connectTimeoutMs: 2000, statementTimeoutMs: 5000 }),
      );
      try {
        const reports = await Promise.all(dbs.map((db) => migrate(db)));
        const applied = reports.flatMap((r) => r.applied);
        assert.deepEqual(
          applied.sort((a, b) => a - b),
          MIGRATIONS.map((m) => m.version),
          `round ${round}`,
        );
        assert.ok(reports.every((r) => r.version === LATEST_SCHEMA_VERSION));
      } finally {
        await Promise.all(dbs.map((db) => db.close()));
      }
    }
  });
});

describe('PostgreSQL down and back', () => {
  it('fails with DatabaseUnavailableError within the bound, then recovers by itself', async () => {
    const db = openPostgres({ url: pg.url, poolSize: 2, connectTimeoutMs: 1000, statementTimeoutMs: 1000 });
    const dir = new SqlUserDirectory(db);
    try {
      await migrate(db);
      assert.equal(await dir.findByEmail('nobody@example.test'), null);
      await pg.kill();
      const t0 = Date.now();
      await assert.rejects(dir.findByEmail('nobody@example.test'), DatabaseUnavailableError);
      // Bounded by the 1 s connect and statement timeouts; the rest allows a busy machine's
      // late timers.
      assert.ok(Date.now() - t0 < 10_000, `answered in ${Date.now() - t0} ms`);
      await pg.restart();
      await waitFor(async () => (await dir.findByEmail('nobody@example.test')) === null, {
        timeoutMs: 30_000,
        what: 'the directory to recover',
      });
    } finally {
      await dir.close();
    }
  });

  it('a statement past the timeout is DatabaseUnavailableError(timeout), not a hang', async () => {
    const db = openPostgres({ url: pg.url, poolSize: 1, connectTimeoutMs: 1000, statementTimeoutMs: 300 });
    try {
      await assert.rejects(db.query('SELECT pg_sleep(5)'), (err: unknown) => {
        assert.ok(err instanceof DatabaseUnavailableError);
        assert.equal(err.reason, 'timeout');
        return true;
      });
      assert.deepEqual(await db.query('SELECT 1 AS one'), [{ one: 1 }]);
    } finally {
      await db.close();
    }
  });

  it('bad SQL is a bug (InternalError), not an outage', async () => {
    const db = openPostgres({ url: pg.url, poolSize: 1, connectTimeoutMs: 1000, statementTimeoutMs: 1000 });
    try {
      await assert.rejects(db.query('SELEC 1'), InternalError);
    } finally {
      await db.close();
    }
  });
});
