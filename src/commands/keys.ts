/** `tollgate keys generate | jwks`: signing keys. Neither needs a store. */
import type { Command } from 'commander';
import { generateSigningKeyPem } from '../auth/keys.js';
import { loadKeys } from '../compose.js';
import { loadKeyConfig } from '../config/load.js';
import type { Guard } from './guard.js';

export function registerKeysCommands(program: Command, guarded: Guard): void {
  const keys = program.command('keys').description('signing keys');
  keys
    .command('generate')
    .description('print a new Ed25519 private key (PEM) for JWT_PRIVATE_KEY / JWT_PRIVATE_KEY_FILE')
    .action(() => {
      process.stdout.write(generateSigningKeyPem());
    });
  keys
    .command('jwks')
    .description('print the JWKS the configured keys publish')
    .action(
      guarded(async () => {
        const ks = await loadKeys(loadKeyConfig());
        process.stdout.write(JSON.stringify(ks.jwks, null, 2) + '\n');
      }),
    );
}
