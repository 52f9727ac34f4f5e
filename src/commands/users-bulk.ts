/**
 * `tollgate users bulk`: creates many accounts straight in the accounts database, with
 * a progress bar (load-test accounts). They share one password, hashed once. Existing
 * emails are counted, not overwritten.
 */
import { randomUUID } from 'node:crypto';
import cliProgress from 'cli-progress';
import { argon2idHasher } from '../auth/passwords.js';
import { passwordLength } from '../auth/password-input.js';
import { openDirectory } from '../compose.js';
import type { Config } from '../config/schema.js';

export interface BulkOptions {
  count: number;
  prefix: string;
  domain: string;
  password: string;
  concurrency: number;
}

export async function bulkCreateUsers(
  config: Config,
  opts: BulkOptions,
): Promise<{ created: number; existed: number }> {
  if (!Number.isInteger(opts.count) || opts.count < 1 || opts.count > 1_000_000) {
    throw new Error('--count must be a whole number from 1 to 1000000');
  }
  if (passwordLength(opts.password) < config.passwordMinLength) {
    throw new Error(`the password must have at least ${config.passwordMinLength} characters`);
  }
  const directory = await openDirectory(config);
  const passwordHash = await argon2idHasher().hash(opts.password.normalize('NFC'));
  const bar = new cliProgress.SingleBar(
    { format: 'users [{bar}] {value}/{total} {percentage}% | {eta}s left', stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  bar.start(opts.count, 0);
  let created = 0;
  let existed = 0;
  let next = 0;
  try {
    const worker = async (): Promise<void> => {
      while (next < opts.count) {
        const i = next++;
        const email = `${opts.prefix}${i}@${opts.domain}`.toLowerCase();
        const r = await directory.createAccount({ id: randomUUID(), email, passwordHash });
        if (r === 'email_taken') existed++;
        else created++;
        bar.increment();
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency, 64)) }, worker));
  } finally {
    bar.stop();
    await directory.close();
  }
  console.log(`created ${created}, already existed ${existed}`);
  return { created, existed };
}
