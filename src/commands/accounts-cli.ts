/**
 * What the `users` commands open: the accounts database and, when configured, the
 * session store (so that disabling or deleting an account ends its sessions too). They
 * call the same admin operations as the API (src/flows/admin/), with these deps.
 */
import type { FlowDeps } from '../flows/deps.js';
import { securityEvents } from '../events/record.js';
import { auditTrail } from '../persistence/audit.js';
import { TotpFactors } from '../persistence/totp-factors.js';
import { SqlPasskeyStore } from '../persistence/passkey-store.js';
import { openDirectory, openSessionStore } from '../compose.js';
import type { Config } from '../config/schema.js';
import type { Store } from '../store/store.js';

/** The deps of the admin operations; no mailer (no owner notices) and, on the memory store, no store. */
export type AccountsCliDeps = Pick<FlowDeps, 'directory' | 'events' | 'passkeys' | 'totp' | 'mailer'> &
  Partial<Pick<FlowDeps, 'store'>>;

export interface AccountsCli {
  deps: AccountsCliDeps;
  close(): Promise<void>;
}

export async function openAccountsCli(config: Config): Promise<AccountsCli> {
  const directory = await openDirectory(config);
  let store: Store | undefined;
  if (config.store === 'redis') {
    try {
      // Ends of sessions are recorded in the accounts database like the service's own.
      store = (await openSessionStore(config, { database: directory.db, watch: false })).store;
    } catch (err) {
      await directory.close();
      throw err;
    }
  }
  // Audit rows only: the command line has no metrics, and it refuses nothing by a limit.
  const events = securityEvents({
    audit: auditTrail(directory),
    refusalWindowSeconds: config.rateLimit.refusalAuditWindowSeconds,
  });
  return {
    deps: {
      directory,
      ...(store ? { store } : {}),
      events,
      passkeys: new SqlPasskeyStore(directory.db),
      totp: new TotpFactors(directory.db),
      mailer: undefined,
    },
    async close() {
      await events.close();
      await Promise.allSettled([directory.close(), store?.close()]);
    },
  };
}

/** What became of the account's sessions: ended (how many), or why they could not be. */
export function sessionsEnded(revoked: number | undefined): string {
  if (revoked === undefined) {
    return 'its sessions were not ended: the memory store lives inside the serving process (restart it, or use the admin API)';
  }
  return `${revoked} session(s) ended`;
}
