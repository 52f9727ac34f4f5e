import { testDatabase } from '../helpers/databases.js';
import { passkeyStoreContract } from '../helpers/passkey-store-contract.js';

passkeyStoreContract('PGlite', testDatabase);
