/**
 * argon2id at a test cost (1 MiB, one pass): the same algorithm and code path as the
 * service, ~100x cheaper. Only tests can pass it (through the composition root's
 * `hasher` option); no configuration reaches it.
 */
import { argon2idHasher } from '../../src/auth/passwords.js';

export const testHasher = argon2idHasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 });
