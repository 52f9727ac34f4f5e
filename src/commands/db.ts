/** `tollgate db migrate | import-redis-users`: the accounts database. */
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { importRedisUsers } from '../persistence/directory/import-redis.js';
import { openMigratedDatabase } from '../persistence/directory/open.js';
import { openDirectory } from '../compose.js';
import { loadConfig } from '../config/load.js';
import { createPool } from '../redis/index.js';
import type { Guard } from './guard.js';

export function registerDbCommands(program: Command, guarded: Guard): void {
  const db = program.command('db').description('the accounts database');

  db.command('migrate')
    .description('bring the accounts database schema up to date (tollgate also does this at start)')
    .action(
      guarded(async () => {
        const { database, migration } = await openMigratedDatabase(loadConfig().database);
        await database.close();
        console.log(
          migration.applied.length > 0
            ? `applied migrations ${migration.applied.join(', ')}; schema version ${migration.version}`
            : `already up to date; schema version ${migration.version}`,
        );
      }),
    );

  db.command('import-redis-users')
    .description('copy accounts kept in Redis (tg:user:*) into the accounts database; safe to run again')
    .action(
      guarded(async () => {
        const config = loadConfig();
        if (config.store !== 'redis')
          throw new Error('set REDIS_URL (or another Redis setting) to the Redis to import from');
        const pool = createPool(config.redis, { name: 'import' });
        await pool.connect();
        const directory = await openDirectory(config);
        const bar = new cliProgress.SingleBar(
          {
            format: 'accounts {value} | imported {imported} | existing {existing} | skipped {skipped}',
            stream: process.stderr,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(0, 0, { imported: 0, existing: 0, skipped: 0 });
        try {
          const report = await importRedisUsers(pool, directory, (r) => bar.update(r.found, r));
          bar.stop();
          console.log(
            `found ${report.found}, imported ${report.imported}, already there ${report.existing}, skipped ${report.skipped}`,
          );
        } finally {
          bar.stop();
          await Promise.allSettled([pool.close(), directory.close()]);
        }
      }),
    );
}
