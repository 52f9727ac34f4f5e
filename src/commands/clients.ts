/**
 * `tollgate clients secret --id <id>`: a fresh secret for a resource server that
 * introspects tokens, and the INTROSPECTION_CLIENTS entry (its SHA-256) to configure.
 * The secret is printed once and stored nowhere.
 */
import type { Command } from 'commander';
import { hashClientSecret, newClientSecret } from '../auth/client-credentials.js';
import { CLIENT_ID_PATTERN } from '../config/sections/oauth.js';
import type { Guard } from './guard.js';

export interface ClientSecretOutput {
  id: string;
  secret: string;
  /** `id:sha256hex`, one entry of INTROSPECTION_CLIENTS. */
  entry: string;
}

export function clientSecret(id: string): ClientSecretOutput {
  if (!CLIENT_ID_PATTERN.test(id)) {
    throw new Error(
      `client id "${id}" must be 1-128 letters, digits, ".", "_", "~" or "-" (e.g. orders-api)`,
    );
  }
  const secret = newClientSecret();
  return { id, secret, entry: `${id}:${hashClientSecret(secret)}` };
}

export function registerClientsCommands(program: Command, guarded: Guard): void {
  const clients = program
    .command('clients')
    .description('resource servers that introspect tokens (INTROSPECTION_CLIENTS)');
  clients
    .command('secret')
    .description('print a new client secret and the INTROSPECTION_CLIENTS entry that accepts it')
    .requiredOption('--id <id>', 'the client id, e.g. orders-api')
    .option('--json', 'print {id, secret, entry} as JSON')
    .action(
      guarded(async (opts: { id: string; json?: boolean }) => {
        const out = clientSecret(opts.id);
        if (opts.json) {
          process.stdout.write(JSON.stringify(out) + '\n');
          return;
        }
        process.stdout.write(
          [
            `client id:     ${out.id}`,
            `client secret: ${out.secret}`,
            '',
            'Give the id and secret to the service (e.g. INTROSPECTION_CLIENT_ID / INTROSPECTION_CLIENT_SECRET);',
            'tollgate keeps only the hash. Add this entry to INTROSPECTION_CLIENTS (comma-separated) and restart:',
            '',
            `  ${out.entry}`,
            '',
          ].join('\n'),
        );
      }),
    );
}
