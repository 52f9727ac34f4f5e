/**
 * Development only: the SECRETS_KEY generated once under VAR_DIR (mode 0600) and shared
 * by every worker and restart, so TOTP works out of the box. Production configures
 * SECRETS_KEY (or has no TOTP).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const DEV_SECRETS_KEY_FILE = 'secrets.key';

export function ensureDevelopmentSecretsKey(varDir: string): { key: Buffer; created: boolean } {
  mkdirSync(varDir, { recursive: true, mode: 0o700 });
  const path = join(varDir, DEV_SECRETS_KEY_FILE);
  const key = randomBytes(32);
  try {
    writeFileSync(path, `${key.toString('hex')}\n`, { flag: 'wx', mode: 0o600 });
    return { key, created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  // Another process may be between create and write: wait for the content (bounded).
  for (let i = 0; i < 50; i++) {
    const text = readFileSync(path, 'utf8').trim();
    if (/^[0-9a-f]{64}$/.test(text)) return { key: Buffer.from(text, 'hex'), created: false };
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
  throw new Error(`development secrets key file ${path} is incomplete or not 64 hex digits`);
}
