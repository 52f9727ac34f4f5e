/** The account-flow dependencies of deps built by hand (test/helpers/auth-service.ts): no mail, no TOTP key. */
import type { Database } from '../../src/persistence/directory/database.js';
import { TotpFactors } from '../../src/persistence/totp-factors.js';
import { OneTimeTokens } from '../../src/persistence/one-time-tokens.js';
import { SqlPasskeyStore } from '../../src/persistence/passkey-store.js';
import { BackgroundTasks } from '../../src/util/background.js';

export function bareAccountFlows(database: Database) {
  return {
    links: new OneTimeTokens(database),
    mailer: undefined,
    totp: new TotpFactors(database),
    passkeys: new SqlPasskeyStore(database),
    secrets: undefined,
    background: new BackgroundTasks({
      onProblem: (what, err) => {
        throw new Error(`background work ${what} failed: ${String(err)}`);
      },
    }),
  };
}
