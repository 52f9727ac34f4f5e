/**
 * `tollgate loadtest ...`: the load-testing tool, a package of its own
 * (`packages/loadtest`), so the service's production install does not carry it. From a
 * source checkout it runs; where it is not installed, one line says how to get it.
 */
import type { Command } from 'commander';
import type { Guard } from './guard.js';

const LOADTEST_PACKAGE = '@tollgate/loadtest';

async function loadtest(args: string[]): Promise<number> {
  let tool: { runCli(argv: readonly string[]): Promise<number> };
  try {
    tool = (await import(LOADTEST_PACKAGE)) as typeof tool;
  } catch (err) {
    const message = err instanceof Error ? err.message : '';
    if (!message.includes(`'${LOADTEST_PACKAGE}'`) && !message.includes(`${LOADTEST_PACKAGE}/dist`))
      throw err;
    console.error(
      `tollgate loadtest: the load-testing tool (${LOADTEST_PACKAGE}) is not installed here; ` +
        'run it from a source checkout after `npm ci && npm run build`',
    );
    return 1;
  }
  return tool.runCli(args);
}

export function registerLoadtestCommand(program: Command, guarded: Guard): void {
  program
    .command('loadtest')
    .description('load-test a tollgate server over HTTP (`tollgate loadtest --help`; docs/loadtest.md)')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[options...]', "the tool's own options")
    .action(
      guarded(async (args: string[]) => {
        process.exitCode = await loadtest(args);
      }),
    );
}
