#!/usr/bin/env node
/** tollgate serve | keys | users | clients | db | loadtest */
import { Command } from 'commander';
import { checkMailTemplates } from './mail/templates.js';
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
      // Everything that can be checked before anything is opened, in one message.
      const config = loadConfig(process.env, {
        checks: [(c) => checkMailTemplates(c.accounts.mail.templatesDir)],
      });
      const { run } = await import('./main.js');
      await run(config);
    }),
  );

registerKeysCommands(program, guarded);
registerUsersCommands(program, guarded);
registerClientsCommands(program, guarded);
registerDbCommands(program, guarded);
registerLoadtestCommand(program, guarded);

/**
 * `serve` is the default command, so commander would take an unknown command for an
 * argument of `serve` ("too many arguments for 'serve'"): name it and list the commands.
 */
function refuseUnknownCommand(argv: readonly string[]): void {
  const first = argv[2];
  if (first === undefined || first.startsWith('-')) return;
  const known = program.commands.flatMap((c) => [c.name(), ...c.aliases()]);
  if (first === 'help' || known.includes(first)) return;
  const list = program.commands.map((c) => `  ${c.name().padEnd(10)} ${c.description()}`).join('\n');
  program.error(
    `error: unknown command '${first}'\n\nCommands:\n${list}\n\nRun 'tollgate <command> --help' for a command's options.`,
    { code: 'commander.unknownCommand', exitCode: 1 },
  );
}

refuseUnknownCommand(process.argv);
await program.parseAsync(process.argv);
