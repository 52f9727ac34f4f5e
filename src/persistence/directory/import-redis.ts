/**
 * Copies accounts kept in Redis (`tg:user:<email>`, JSON `{id, email, passwordHash,
 * createdAt}`, the layout of installations from before the accounts database) into the
 * accounts database. Idempotent: ids and creation times are kept, and an email already
 * in the database is skipped and counted, so it can be run again after an interruption.
 */
import type { RedisExecutor, RedisReply } from '../../redis/types.js';
import { KEY_PREFIX } from '../../store/keys.js';
import type { UserDirectory } from './user-directory.js';

export interface ImportReport {
  found: number;
  imported: number;
  existing: number;
  /** Records that are not accounts (unparsable JSON, missing fields). */
  skipped: number;
}

interface LegacyUser {
  id: string;
  email: string;
  passwordHash: string;
  createdAt: number;
}

function legacy(raw: string): LegacyUser | null {
  try {
    const u = JSON.parse(raw) as Partial<LegacyUser>;
    if (typeof u.id === 'string' && typeof u.email === 'string' && typeof u.passwordHash === 'string') {
      return {
        id: u.id,
        email: u.email,
        passwordHash: u.passwordHash,
        createdAt: Number(u.createdAt) || Date.now(),
      };
    }
  } catch {
    /* not an account */
  }
  return null;
}

const str = (r: RedisReply | undefined): string | null =>
  r === null || r === undefined ? null : Buffer.isBuffer(r) ? r.toString('utf8') : String(r);

export async function importRedisUsers(
  redis: RedisExecutor,
  directory: UserDirectory,
  onProgress: (report: ImportReport) => void = () => undefined,
): Promise<ImportReport> {
  const report: ImportReport = { found: 0, imported: 0, existing: 0, skipped: 0 };
  let cursor = '0';
  do {
    const reply = await redis.command(['SCAN', cursor, 'MATCH', `${KEY_PREFIX}user:*`, 'COUNT', '500'], {
      idempotent: true,
    });
    const [next, batch] = reply as [RedisReply, RedisReply[]];
    cursor = str(next) ?? '0';
    for (const key of batch) {
      const raw = str(await redis.command(['GET', str(key) ?? ''], { idempotent: true }));
      if (raw === null) continue;
      report.found++;
      const user = legacy(raw);
      if (!user) {
        report.skipped++;
        continue;
      }
      const existing = (await directory.findById(user.id)) ?? (await directory.findByEmail(user.email));
      if (existing) {
        report.existing++;
      } else {
        const created = await directory.createAccount({
          id: user.id,
          email: user.email,
          passwordHash: user.passwordHash,
          createdAt: new Date(user.createdAt),
        });
        if (created === 'email_taken') report.existing++;
        else report.imported++;
      }
      onProgress(report);
    }
  } while (cursor !== '0');
  return report;
}
