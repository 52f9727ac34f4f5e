/**
 * The example services in examples/, which import the package by name as a team would
 * (so they run on the built dist/: `npm run build` first): the Fastify one in redis
 * mode in-process and in introspect mode as a separate process configured by its
 * environment, the Express one in introspect mode.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createClient } from 'redis';
import { sessionKey } from '../src/index.js';
import { startOrdersService, type OrdersServiceConfig } from '../examples/orders-service.js';
import { startExpressOrdersService } from '../examples/express-orders-service.js';
import { bearer, get } from './helpers/http.js';
import { startIssuer, type TestIssuer } from './helpers/issuer.js';
import { startRedis, type RedisServerHandle } from '../../../test/helpers/redis-server.js';

const PACKAGE_DIR = resolve(import.meta.dirname, '..');

describe('example services', () => {
  let iss: TestIssuer;
  let redisServer: RedisServerHandle;
  let redis: ReturnType<typeof createClient>;

  before(async () => {
    if (!existsSync(resolve(PACKAGE_DIR, 'dist/index.js'))) {
      throw new Error('packages/verify/dist is missing: run `npm run build` first');
    }
    iss = await startIssuer({ issuer: 'tollgate', audience: 'orders-api' });
    redisServer = await startRedis();
    redis = createClient({ url: redisServer.url, maintNotifications: 'disabled' });
    await redis.connect();
  });
  after(async () => {
    redis.destroy();
    await redisServer.stop();
    await iss.close();
  });

  function config(mode: 'introspect' | 'redis'): OrdersServiceConfig {
    return {
      port: 0,
      host: '127.0.0.1',
      tollgateUrl: iss.url,
      issuer: iss.issuer,
      audience: iss.audience,
      mode,
      ...(mode === 'introspect'
        ? { clientId: iss.clientId, clientSecret: iss.clientSecret }
        : { redisUrl: redisServer.url }),
      logLevel: 'silent',
    };
  }

  it('Fastify example, redis mode: orders while the session lives, 401 right after logout', async () => {
    const service = await startOrdersService(config('redis'));
    try {
      const s = await iss.login();
      const key = sessionKey('tg:', s.sub, s.sid);
      await redis.hSet(key, 'uid', s.sub);
      const ok = await get(`${service.url}/orders`, bearer(s.token));
      assert.equal(ok.status, 200);
      assert.deepEqual(ok.body, { user: s.sub, email: `${s.sub}@example.test`, orders: [] });
      await redis.del(key);
      assert.equal((await get(`${service.url}/orders`, bearer(s.token))).status, 401);
      assert.deepEqual((await get(`${service.url}/health`)).body, { status: 'ok', mode: 'redis' });
    } finally {
      await service.close();
    }
  });

  it('Express example, introspect mode: the same behaviour', async () => {
    const service = await startExpressOrdersService(config('introspect'));
    try {
      const s = await iss.login();
      assert.equal((await get(`${service.url}/orders`, bearer(s.token))).status, 200);
      iss.logout(s.sub, s.sid);
      const ended = await get(`${service.url}/orders`, bearer(s.token));
      assert.equal(ended.status, 401);
      assert.equal((ended.body as { error: string }).error, 'invalid_token');
    } finally {
      await service.close();
    }
  });

  it('Fastify example as its own process, configured by environment, stops on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/orders-service.ts'], {
      cwd: PACKAGE_DIR,
      env: {
        PATH: process.env.PATH,
        PORT: '0',
        TOLLGATE_URL: iss.url,
        TOLLGATE_ISSUER: iss.issuer,
        TOLLGATE_AUDIENCE: iss.audience,
        VERIFY_MODE: 'introspect',
        INTROSPECTION_CLIENT_ID: iss.clientId,
        INTROSPECTION_CLIENT_SECRET: iss.clientSecret,
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    let output = '';
    try {
      const url = await new Promise<string>((found, fail) => {
        const timer = setTimeout(
          () => fail(new Error(`no "listening" line within 15 s:\n${output}`)),
          15_000,
        );
        child.stderr.on('data', (c: Buffer) => (output += c.toString()));
        child.stdout.on('data', (c: Buffer) => {
          output += c.toString();
          for (const line of output.split('\n')) {
            if (!line.includes('orders service listening')) continue;
            clearTimeout(timer);
            found((JSON.parse(line) as { url: string }).url);
          }
        });
        void exited.then((code) => fail(new Error(`exited with ${code}:\n${output}`)));
      });
      const s = await iss.login();
      assert.equal((await get(`${url}/orders`, bearer(s.token))).status, 200);
      iss.logout(s.sub, s.sid);
      assert.equal((await get(`${url}/orders`, bearer(s.token))).status, 401);
      child.kill('SIGTERM');
      const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 5000).unref());
      assert.equal(await Promise.race([exited, timeout]), 0);
      assert.doesNotMatch(output, new RegExp(s.token.split('.')[2]!), 'the token never appears in the logs');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
