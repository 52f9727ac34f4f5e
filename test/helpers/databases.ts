/**
 * Accounts databases for tests: an in-memory PGlite opened from a migrated template.
 * Creating a PGlite database takes seconds; opening a copy of a dump, about one. The
 * template is made once per schema and kept in the system's temp dir, so the test
 * processes of a run (and later runs) share it.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from '../../src/persistence/directory/database.js';
import { migrate } from '../../src/persistence/directory/migrate.js';
import { MIGRATIONS } from '../../src/persistence/directory/migrations.js';
import { openPGlite, preparedPGliteDump } from '../../src/persistence/directory/pglite.js';

const pgliteVersion = (
  JSON.parse(
    readFileSync(join(import.meta.dirname, '../../node_modules/@electric-sql/pglite/package.json'), 'utf8'),
  ) as {
    version: string;
  }
).version;
/** A new schema or a new PGlite makes a new template. */
const schemaHash = createHash('sha256')
  .update(JSON.stringify(MIGRATIONS))
  .update(pgliteVersion)
  .digest('hex')
  .slice(0, 16);
const templateFile = join(tmpdir(), `tollgate-pglite-template-${schemaHash}.tar`);

let template: Promise<Blob> | undefined;

async function makeTemplate(): Promise<Blob> {
  if (existsSync(templateFile)) return new Blob([readFileSync(templateFile)]);
  const dump = await preparedPGliteDump(async (db) => {
    await migrate(db);
  });
  const partial = `${templateFile}.${process.pid}`;
  writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
  renameSync(partial, templateFile); // atomic: concurrent makers just overwrite an equal file
  return dump;
}

/** The migrated template (a PGlite data-dir dump). */
export function migratedTemplate(): Promise<Blob> {
  template ??= makeTemplate();
  return template;
}

/** A fresh, migrated, in-memory accounts database. */
export async function testDatabase(): Promise<Database> {
  return openPGlite({ dataDir: undefined, loadDataDir: await migratedTemplate() });
}
