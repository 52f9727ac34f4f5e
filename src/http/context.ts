import type { Database } from '../persistence/directory/database.js';
import type { UserDirectory } from '../persistence/directory/user-directory.js';
import type { KeySet } from '../auth/keys.js';
import type { FlowDeps } from '../flows/deps.js';
import type { Config } from '../config/schema.js';
import type { GroupBridge } from '../group/bridge.js';
import type { AppMetrics } from '../metrics/registry.js';
import type { RedisPool } from '../redis/types.js';
import type { Store } from '../store/store.js';

/** What every route plugin gets. */
export interface AppContext {
  config: Config;
  /** What the flows run on: routes call the flow operations with it. */
  deps: FlowDeps;
  store: Store;
  directory: UserDirectory;
  /** The SQL database under the directory: the stores of the other account tables use it. */
  database: Database;
  keys: KeySet;
  /** Present when the store is Redis. */
  pool: RedisPool | undefined;
  group: GroupBridge;
  metrics: AppMetrics;
  version: string;
}
