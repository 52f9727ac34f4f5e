/**
 * What the `users` commands open: the accounts database and, when configured, the
 * session store (so that disabling or deleting an account ends its sessions too).
 */
import { auditTrail, type AuditSink } from '../persistence/audit.js';
import type { UserDirectory } from '../persistence/directory/user-directory.js';
import type { FactorStores } from '../flows/shared/factors.js';
import { TotpFactors } from '../persistence/totp-factors.js';
import { SqlPasskeyStore } from '../persistence/passkey-store.js';
import { openDirectory, openSessionStore } from '../compose.js';
import type { Config } from '../config/schema.js';
import type { Store } from '../store/store.js';

export interface AccountsCli {
  directory: UserDirectory;
  /** Undefined on the memory store, which lives inside the serving process. */
  store: Store | undefined;
  audit: AuditSink;
  /** The accounts' passkeys and TOTP factors. */
  factors: FactorStores;
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
  return {
    directory,
    store,
    audit: auditTrail(directory),
    factors: { passkeys: new SqlPasskeyStore(directory.db), totp: new TotpFactors(directory.db) },
    async close() {
      await Promise.allSettled([directory.close(), store?.close()]);
    },
  };
}

/** Ends the account's sessions, or says why it cannot. */
export async function endSessions(cli: AccountsCli, uid: string): Promise<string> {
  if (!cli.store) {
    return 'its sessions were not ended: the memory store lives inside the serving process (restart it, or use the admin API)';
  }
  return `${await cli.store.deleteAllSessions(uid)} session(s) ended`;
}
