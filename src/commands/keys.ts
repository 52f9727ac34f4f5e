/** `tollgate keys generate | jwks`: signing keys. Neither needs a store. */
import { Option, type Command } from 'commander';
import { GENERATED_ALGORITHMS, generateSigningKeyPem, type GeneratedAlgorithm } from '../auth/keys.js';
import { loadKeys } from '../compose.js';
import { loadKeyConfig } from '../config/load.js';
import type { Guard } from './guard.js';

export function registerKeysCommands(program: Command, guarded: Guard): void {
  const keys = program.command('keys').description('signing keys');
  keys
    .command('generate')
    .description('print a new private key (PKCS#8 PEM) for JWT_PRIVATE_KEY / JWT_PRIVATE_KEY_FILE')
    .addOption(
      new Option('--alg <alg>', 'signing algorithm: EdDSA (Ed25519) or ES256 (P-256)')
        .choices(GENERATED_ALGORITHMS)
        .default('EdDSA'),
    )
    .action((opts: { alg: GeneratedAlgorithm }) => {
      process.stdout.write(generateSigningKeyPem(opts.alg));
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
