#!/usr/bin/env node
/** tollgate serve | users | keys | loadtest */
import { Command } from 'commander';
import { loadConfig } from './config/load.js';
import { ConfigError } from './errors.js';
import { VERSION } from './version.js';

function fail(err: unknown): never {
  if (err instanceof ConfigError) {
    console.error(`tollgate: configuration error: ${err.message}`);
    process.exit(2);
  }
  console.error(`tollgate: ${(err as Error).message ?? String(err)}`);
  process.exit(1);
}

/** Wraps a command's action so every failure ends in one clear line and an exit code. */
function guarded<A extends unknown[]>(action: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args) => {
    try {
      await action(...args);
    } catch (err) {
      fail(err);
    }
  };
}

const program = new Command();
program.name('tollgate').description('Self-hosted session-bound JWT authentication service').version(VERSION);

program
  .command('serve', { isDefault: true })
  .description('run the service (config from the environment, .env and .env.<DEPLOYMENT_ENV>)')
  .action(
    guarded(async () => {
      const config = loadConfig();
      const { run } = await import('./main.js');
      await run(config);
    }),
  );

const keysCmd = program.command('keys').description('signing keys');
keysCmd
  .command('generate')
  .description('print a new Ed25519 private key (PEM) for JWT_PRIVATE_KEY / JWT_PRIVATE_KEY_FILE')
  .action(async () => {
    const { generateSigningKeyPem } = await import('./auth/keys.js');
    process.stdout.write(generateSigningKeyPem());
  });
keysCmd
  .command('jwks')
  .description('print the JWKS the configured keys publish')
  .action(
    guarded(async () => {
      const { loadKeys } = await import('./server.js');
      const keys = await loadKeys(loadConfig());
      process.stdout.write(JSON.stringify(keys.jwks, null, 2) + '\n');
    }),
  );

const users = program.command('users').description('manage users directly in the store');
users
  .command('bulk')
  .description('create many users at once (e.g. load-test accounts), with a progress bar')
  .requiredOption('--count <n>', 'how many users', (v) => Number.parseInt(v, 10))
  .option('--prefix <prefix>', 'email prefix: <prefix><i>@<domain>', 'loadtest-')
  .option('--domain <domain>', 'email domain', 'example.test')
  .option('--password <password>', 'password of every user')
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
        const { bulkCreateUsers } = await import('./users/bulk.js');
        await bulkCreateUsers(loadConfig(), opts);
      },
    ),
  );

const LOADTEST_PACKAGE = '@tollgate/loadtest';

/** The load-testing tool is its own package (packages/loadtest): absent from production images. */
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

await program.parseAsync(process.argv);
