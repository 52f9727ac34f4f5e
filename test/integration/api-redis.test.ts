import { after, before } from 'node:test';
import { apiSuite } from '../helpers/api-suite.js';
import { composeTestApp } from '../helpers/app.js';
import { startRedis, type RedisServerHandle } from '../helpers/redis-server.js';

let redis: RedisServerHandle;
before(async () => {
  redis = await startRedis({ password: 'test-redis-password' });
});
after(async () => {
  await redis?.stop();
});

apiSuite('redis store', () =>
  composeTestApp({
    REDIS_URL: redis.url,
    OPS_TOKEN: 'ops-token-for-tests-0123',
    REDIS_COMMAND_TIMEOUT_MS: '2000',
  }),
);
