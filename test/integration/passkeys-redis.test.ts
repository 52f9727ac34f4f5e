/** The passkey routes on Redis (challenges single-use there) and PostgreSQL. */
import { after, before } from 'node:test';
import { composeTestApp } from '../helpers/app.js';
import { PASSKEY_ENV, passkeyLimitSuite, passkeysSuite } from '../helpers/passkeys-suite.js';
import { startRedis, type RedisServerHandle } from '../helpers/redis-server.js';

let redis: RedisServerHandle;
before(async () => {
  redis = await startRedis();
});
after(async () => redis?.stop());

passkeysSuite('Redis, PostgreSQL', () => composeTestApp({ REDIS_URL: redis.url, ...PASSKEY_ENV }));
// Its own Redis database: the other suite's failures (same address) must not count here.
passkeyLimitSuite('Redis, PostgreSQL', () =>
  composeTestApp({ REDIS_URL: `${redis.url}/1`, LOGIN_MAX_FAILURES_PER_IP: '3', ...PASSKEY_ENV }),
);
