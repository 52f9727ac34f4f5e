import { openPostgres } from '../../src/persistence/directory/postgres.js';
import { postgresDatabase } from '../helpers/postgres-server.js';
import { passkeyStoreContract } from '../helpers/passkey-store-contract.js';

passkeyStoreContract('PostgreSQL', async () =>
  openPostgres({
    url: await postgresDatabase(),
    poolSize: 4,
    connectTimeoutMs: 2000,
    statementTimeoutMs: 2000,
  }),
);
