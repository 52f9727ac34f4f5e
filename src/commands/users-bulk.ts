/**
 * `tollgate users bulk`: creates many users straight in the store, with a progress bar.
 * They share one password, hashed once. Existing emails are counted, not overwritten.
 */
import { randomUUID } from 'node:crypto';
import cliProgress from 'cli-progress';
import { argon2idHasher } from '../auth/passwords.js';
import type { Config } from '../config/schema.js';
import { openSessionStore } from '../compose.js';

export interface BulkOptions {
  count: number;
  prefix: string;
  domain: string;
  password?: string;
  concurrency: number;
}

export async function bulkCreateUsers(
  config: Config,
  opts: BulkOptions,
): Promise<{ created: number; existed: number }> {
  if (!Number.isInteger(opts.count) || opts.count < 1 || opts.count > 1_000_000) {
    throw new Error('--count must be a whole number from 1 to 1000000');
  }
  const password = opts.password;
  if (!password || password.length < config.passwordMinLength) {
    throw new Error(`--password of at least ${config.passwordMinLength} characters is required`);
  }
  if (config.store === 'memory') {
    throw new Error(
      'bulk creation needs Redis (REDIS_URL): the memory store lives inside the serving process',
    );
  }
  const { store } = await openSessionStore(config);
  // One hash for every user: they share a password; load-test accounts only need to log in.
  const passwordHash = await argon2idHasher().hash(password);
  const bar = new cliProgress.SingleBar(
    { format: 'users [{bar}] {value}/{total} {percentage}% | {eta}s left' },
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
        const ok = await store.createUser({ id: randomUUID(), email, passwordHash, createdAt: Date.now() });
        if (ok) created++;
        else existed++;
        bar.increment();
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency, 64)) }, worker));
  } finally {
    bar.stop();
    await store.close();
  }
  console.log(`created ${created}, already existed ${existed}`);
  return { created, existed };
}
