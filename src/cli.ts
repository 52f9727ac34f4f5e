#!/usr/bin/env node
/** tollgate serve | keys | users | clients | db | loadtest */
import { Command } from 'commander';
import { registerClientsCommands } from './commands/clients.js';
import { guarded } from './commands/guard.js';
import { registerDbCommands } from './commands/db.js';
import { registerKeysCommands } from './commands/keys.js';
import { registerLoadtestCommand } from './commands/loadtest.js';
import { registerUsersCommands } from './commands/users.js';
import { loadConfig } from './config/load.js';
import { variablesHelp } from './config/variables.js';
import { VERSION } from './version.js';

const program = new Command();
program.name('tollgate').description('Self-hosted session-bound JWT authentication service').version(VERSION);

program
  .command('serve', { isDefault: true })
  .description('run the service (config from the environment, .env and .env.<DEPLOYMENT_ENV>)')
  .addHelpText('after', variablesHelp())
  .action(
    guarded(async () => {
      const config = loadConfig();
      const { run } = await import('./main.js');
      await run(config);
    }),
  );

registerKeysCommands(program, guarded);
registerUsersCommands(program, guarded);
registerClientsCommands(program, guarded);
registerDbCommands(program, guarded);
registerLoadtestCommand(program, guarded);

await program.parseAsync(process.argv);
