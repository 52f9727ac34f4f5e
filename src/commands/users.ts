/** `tollgate users ...`: account administration from the command line. */
import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { CLI_ACTOR } from '../flows/admin/actor.js';
import { deleteUser, searchUsers, setDisabled } from '../flows/admin/accounts.js';
import { factorsOf, removeFactor } from '../flows/admin/factors.js';
import { accountView } from '../flows/admin/views.js';
import { ROLES } from '../persistence/directory/user-directory.js';
import { parseEmail } from '../auth/email.js';
import { argon2idHasher } from '../auth/passwords.js';
import { acceptNewPassword } from '../flows/shared/new-password.js';
import { normalisePassword } from '../auth/password-input.js';
import { createPasswordPolicy } from '../auth/password-policy.js';
import { loadConfig } from '../config/load.js';
import { openAccountsCli, sessionsEnded, type AccountsCli } from './accounts-cli.js';
import type { Guard } from './guard.js';
import { readPassword } from './password-input.js';

async function withAccounts<T>(run: (cli: AccountsCli) => Promise<T>): Promise<T> {
  const cli = await openAccountsCli(loadConfig());
  try {
    return await run(cli);
  } finally {
    await cli.close();
  }
}

function emailArg(value: string): string {
  const email = parseEmail(value);
  if (!email) throw new Error(`not a valid email address: ${value}`);
  return email;
}

async function accountByEmail(cli: AccountsCli, email: string) {
  const account = await cli.deps.directory.findByEmail(email);
  if (!account) throw new Error(`no account with the email ${email}`);
  return account;
}

export function registerUsersCommands(program: Command, guarded: Guard): void {
  const users = program.command('users').description('manage accounts in the accounts database');

  users
    .command('create')
    .description('create an account; the password is read from --password-file, standard input or a prompt')
    .requiredOption('--email <email>', 'the account email')
    .option(
      '--role <role>',
      `give it a role (${ROLES.join(', ')}); repeatable`,
      (v, all: string[]) => [...all, v],
      [],
    )
    .option('--password-file <path>', 'read the password from this file')
    .action(
      guarded(async (opts: { email: string; role: string[]; passwordFile?: string }) => {
        const email = emailArg(opts.email);
        const unknown = opts.role.filter((r) => !(ROLES as readonly string[]).includes(r));
        if (unknown.length > 0)
          throw new Error(`unknown role ${unknown.join(', ')} (known: ${ROLES.join(', ')})`);
        const config = loadConfig();
        const password = await readPassword(opts);
        const passwordPolicy = createPasswordPolicy(config.passwordPolicy);
        try {
          await acceptNewPassword({ config, passwordPolicy }, password, { email });
        } finally {
          await passwordPolicy.close();
        }
        const passwordHash = await argon2idHasher().hash(normalisePassword(password));
        await withAccounts(async (cli) => {
          const account = await cli.deps.directory.createAccount({
            id: randomUUID(),
            email,
            passwordHash,
            roles: opts.role,
          });
          if (account === 'email_taken') throw new Error(`an account with the email ${email} exists already`);
          await cli.deps.events.record('register', {
            userId: account.id,
            actorId: null,
            detail: { via: 'cli' },
          });
          if (opts.role.length > 0) {
            await cli.deps.events.record('role_changed', {
              userId: account.id,
              actorId: null,
              detail: { via: 'cli', roles: opts.role },
            });
          }
          console.log(JSON.stringify(accountView(account)));
        });
      }),
    );

  users
    .command('list')
    .description('list accounts (JSON lines), optionally those whose email contains --query')
    .option('--query <text>', 'a part of the email')
    .option('--limit <n>', 'at most this many', (v) => Number.parseInt(v, 10), 100)
    .action(
      guarded(async (opts: { query?: string; limit: number }) => {
        await withAccounts(async (cli) => {
          let left = Math.max(1, opts.limit);
          let cursor: string | undefined;
          do {
            const page = await searchUsers(cli.deps, { q: opts.query, cursor, limit: Math.min(100, left) });
            for (const a of page.users) console.log(JSON.stringify(a));
            left -= page.users.length;
            cursor = page.next_cursor ?? undefined;
          } while (cursor && left > 0);
        });
      }),
    );

  for (const [name, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    users
      .command(name)
      .description(disabled ? 'disable an account and end its sessions' : 'enable a disabled account')
      .requiredOption('--email <email>', 'the account email')
      .action(
        guarded(async (opts: { email: string }) => {
          await withAccounts(async (cli) => {
            const account = await accountByEmail(cli, emailArg(opts.email));
            const { revoked } = await setDisabled(cli.deps, CLI_ACTOR, account.id, disabled);
            const ended = disabled ? `; ${sessionsEnded(revoked)}` : '';
            console.log(`${account.email} ${disabled ? 'disabled' : 'enabled'}${ended}`);
          });
        }),
      );
  }

  users
    .command('delete')
    .description('delete an account and end its sessions')
    .requiredOption('--email <email>', 'the account email')
    .action(
      guarded(async (opts: { email: string }) => {
        await withAccounts(async (cli) => {
          const account = await accountByEmail(cli, emailArg(opts.email));
          const { revoked } = await deleteUser(cli.deps, CLI_ACTOR, account.id);
          console.log(`${account.email} deleted; ${sessionsEnded(revoked)}`);
        });
      }),
    );

  const factors = users
    .command('factors')
    .description("list or remove an account's sign-in factors (passkeys, TOTP)");

  factors
    .command('list')
    .description('print the passkeys and TOTP of an account (JSON)')
    .requiredOption('--email <email>', 'the account email')
    .action(
      guarded(async (opts: { email: string }) => {
        await withAccounts(async (cli) => {
          const account = await accountByEmail(cli, emailArg(opts.email));
          const view = await factorsOf(cli.deps, CLI_ACTOR, account.id);
          console.log(JSON.stringify(view));
        });
      }),
    );

  factors
    .command('remove')
    .description(
      'remove sign-in factors of an account: totp, passkeys (every passkey), all, or one passkey id',
    )
    .requiredOption('--email <email>', 'the account email')
    .requiredOption('--factor <factor>', 'totp, passkeys, all, or a passkey id (see factors list)')
    .action(
      guarded(async (opts: { email: string; factor: string }) => {
        await withAccounts(async (cli) => {
          const account = await accountByEmail(cli, emailArg(opts.email));
          const removed = await removeFactor(cli.deps, CLI_ACTOR, account.id, opts.factor);
          console.log(
            `${account.email}: ${removed.passkeys} passkey(s) removed${removed.totp ? ', TOTP removed' : ''}`,
          );
        });
      }),
    );

  users
    .command('bulk')
    .description(
      'create many accounts sharing one password (load-test accounts), with a progress bar; the password is read from --password-file, standard input or a prompt',
    )
    .requiredOption('--count <n>', 'how many accounts', (v) => Number.parseInt(v, 10))
    .option('--prefix <prefix>', 'email prefix: <prefix><i>@<domain>', 'loadtest-')
    .option('--domain <domain>', 'email domain', 'example.test')
    .option('--password-file <path>', 'read the password from this file')
    .option('--concurrency <n>', 'parallel inserts', (v) => Number.parseInt(v, 10), 8)
    .action(
      guarded(
        async (opts: {
          count: number;
          prefix: string;
          domain: string;
          passwordFile?: string;
          concurrency: number;
        }) => {
          const { bulkCreateUsers } = await import('./users-bulk.js');
          const password = await readPassword(opts);
          await bulkCreateUsers(loadConfig(), { ...opts, password });
        },
      ),
    );
}
