import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openPGlite } from '../../src/persistence/directory/pglite.js';
import { migratedTemplate, testDatabase } from '../helpers/databases.js';
import { userDirectoryContract } from '../helpers/user-directory-contract.js';

userDirectoryContract('PGlite', testDatabase);

describe('the embedded database directory', () => {
  it('serves one process: a second opener is refused while the first holds it; a stale lock is taken over', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-pglite-'));
    try {
      const first = await openPGlite({ dataDir: dir, loadDataDir: await migratedTemplate() });
      await first.query('CREATE TABLE t (x int)');
      // Another live process holds it: this process's parent stands in for it.
      writeFileSync(join(dir, 'tollgate.lock'), String(process.ppid));
      await assert.rejects(openPGlite({ dataDir: dir }), /in use by process \d+.*DATABASE_URL/);
      writeFileSync(join(dir, 'tollgate.lock'), String(process.pid));
      await first.close();
      // A lock left by a process that is gone is taken over; the data persisted.
      writeFileSync(join(dir, 'tollgate.lock'), '999999');
      const again = await openPGlite({ dataDir: dir });
      assert.deepEqual(await again.query('SELECT count(*)::int AS n FROM t'), [{ n: 0 }]);
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
