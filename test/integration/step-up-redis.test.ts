/** Step-up, owner notices and factor recovery on Redis (the session's auth_time there) and PostgreSQL. */
import { after, before } from 'node:test';
import { composeTestApp } from '../helpers/app.js';
import { PASSKEY_ENV } from '../helpers/passkeys-suite.js';
import { startRedis, type RedisServerHandle } from '../helpers/redis-server.js';
import { startSmtpServer } from '../helpers/smtp-server.js';
import { stepUpSuite } from '../helpers/step-up-suite.js';

let redis: RedisServerHandle;
before(async () => {
  redis = await startRedis();
});
after(async () => redis?.stop());

stepUpSuite('Redis, PostgreSQL', async () => {
  const smtp = await startSmtpServer();
  const app = await composeTestApp({ REDIS_URL: redis.url, SMTP_URL: smtp.url, ...PASSKEY_ENV });
  return {
    app,
    smtp,
    async close() {
      await app.close();
      await smtp.close();
    },
  };
});
