/** `tollgate users ...`: account administration from the command line. */
import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import type { Guard } from './guard.js';

export function registerUsersCommands(program: Command, guarded: Guard): void {
  const users = program.command('users').description('manage users directly in the store');
  users
    .command('bulk')
    .description('create many users at once (e.g. load-test accounts), with a progress bar')
    .requiredOption('--count <n>', 'how many users', (v) => Number.parseInt(v, 10))
    .option('--prefix <prefix>', 'email prefix: <prefix><i>@<domain>', 'loadtest-')
    .option('--domain <domain>', 'email domain', 'example.test')
    .option('--password <password>', 'password of every user (required)')
    .option('--concurrency <n>', 'parallel store writes', (v) => Number.parseInt(v, 10), 8)
    .action(
      guarded(
        async (opts: {
          count: number;
          prefix: string;
          domain: string;
          password?: string;
          concurrency: number;
        }) => {
          const { bulkCreateUsers } = await import('./users-bulk.js');
          await bulkCreateUsers(loadConfig(), opts);
        },
      ),
    );
}
