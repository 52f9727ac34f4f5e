/**
 * `redis` mode against a real redis-server: one EXISTS on `tg:sess:{<sub>}:<sid>`
 * through the caller's node-redis client (v6 and v5, standalone and cluster), 0 stale
 * accepts after the key is deleted, and 503 within the bound when Redis is frozen
 * (SIGSTOP), gone, or the client is closed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createClient, createCluster } from 'redis';
import { createClient as createClientV5 } from 'redis5';
import {
  createVerifier,
  sessionKey,
  SessionEndedError,
  SessionStoreUnavailableError,
  type RedisExistsClient,
  type Verifier,
} from '../src/index.js';
import { startIssuer, type TestIssuer } from './helpers/issuer.js';
import { startRedis, type RedisServerHandle } from '../../../test/helpers/redis-server.js';
import { startCluster, type ClusterHandle } from '../../../test/helpers/redis-topology.js';

interface Writer {
  hSet(key: string, field: string, value: string): Promise<unknown>;
  del(key: string): Promise<unknown>;
}

/** Opens a session the way tollgate stores it: a hash at the session key. */
async function login(iss: TestIssuer, redis: Writer, prefix = 'tg:') {
  const s = await iss.login();
  await redis.hSet(sessionKey(prefix, s.sub, s.sid), 'uid', s.sub);
  return s;
}

function verifierFor(
  iss: TestIssuer,
  client: RedisExistsClient,
  extra: { keyPrefix?: string; timeoutMs?: number } = {},
) {
  return createVerifier({
    baseUrl: iss.url,
    issuer: iss.issuer,
    audience: iss.audience,
    session: { mode: 'redis', client, ...extra },
  });
}

describe('redis mode', () => {
  let iss: TestIssuer;
  let server: RedisServerHandle;
  let client: ReturnType<typeof createClient>;
  let verifier: Verifier;

  before(async () => {
    iss = await startIssuer();
    server = await startRedis();
    client = createClient({ url: server.url, maintNotifications: 'disabled' });
    client.on('error', () => undefined);
    await client.connect();
    verifier = verifierFor(iss, client);
  });
  after(async () => {
    await verifier.close();
    client.destroy();
    await server.stop();
    await iss.close();
  });

  it("the session key is tollgate's: tg:sess:{<sub>}:<sid>, braces included", () => {
    assert.equal(sessionKey('tg:', 'u1', 's1'), 'tg:sess:{u1}:s1');
    assert.equal(sessionKey('staging:tg:', 'u1', 's1'), 'staging:tg:sess:{u1}:s1');
  });

  it('accepts a token whose session key exists, refuses it once the key is gone', async () => {
    const { token, sub, sid } = await login(iss, client);
    assert.equal((await verifier.verify(token)).sid, sid);
    assert.equal(await server.cli('EXISTS', `tg:sess:{${sub}}:${sid}`), '1');
    await client.del(sessionKey('tg:', sub, sid));
    await assert.rejects(verifier.verify(token), SessionEndedError);
  });

  it('a valid token without a session is refused', async () => {
    const { token } = await iss.login(); // signed, but no session in Redis
    await assert.rejects(verifier.verify(token), SessionEndedError);
  });

  it('0 stale accepts over 200 login → verify → logout → verify rounds', async () => {
    let stale = 0;
    for (let i = 0; i < 200; i++) {
      const { token, sub, sid } = await login(iss, client);
      await verifier.verify(token);
      await client.del(sessionKey('tg:', sub, sid));
      try {
        await verifier.verify(token);
        stale++;
      } catch (err) {
        assert.ok(err instanceof SessionEndedError, String(err));
      }
    }
    assert.equal(stale, 0);
  });

  it('uses the configured key prefix', async () => {
    const v = verifierFor(iss, client, { keyPrefix: 'staging:tg:' });
    try {
      const s = await login(iss, client, 'staging:tg:');
      assert.equal((await v.verify(s.token)).sid, s.sid);
      await assert.rejects(verifier.verify(s.token), SessionEndedError); // default prefix: no such key
    } finally {
      await v.close();
    }
  });

  it('works with a node-redis v5 client', async () => {
    const v5 = createClientV5({ url: server.url });
    v5.on('error', () => undefined);
    await v5.connect();
    const v = verifierFor(iss, v5);
    try {
      const { token, sub, sid } = await login(iss, client);
      assert.equal((await v.verify(token)).sid, sid);
      await client.del(sessionKey('tg:', sub, sid));
      await assert.rejects(v.verify(token), SessionEndedError);
    } finally {
      await v.close();
      v5.destroy();
    }
  });

  it('a frozen Redis (SIGSTOP) is a 503 within the bound; it recovers after SIGCONT', async () => {
    const v = verifierFor(iss, client, { timeoutMs: 300 });
    try {
      const { token, sid } = await login(iss, client);
      await v.verify(token);
      server.pause();
      try {
        const started = performance.now();
        await assert.rejects(v.verify(token), (err: unknown) => {
          assert.ok(err instanceof SessionStoreUnavailableError);
          assert.equal(err.reason, 'timeout');
          assert.deepEqual(err.toResponse().body, {
            error: 'unavailable',
            message: 'The session store is unavailable; try again shortly',
          });
          return true;
        });
        const elapsed = performance.now() - started;
        // At the 300 ms timeout, not before; after it by no more than a busy machine's late
        // timers.
        assert.ok(elapsed >= 250 && elapsed < 300 + 5000, `refused after ${Math.round(elapsed)} ms`);
      } finally {
        server.resume();
      }
      assert.equal((await v.verify(token)).sid, sid);
    } finally {
      await v.close();
    }
  });

  it('a Redis that went away is a 503 within the bound, and a closed client a 503 at once', async () => {
    const other = await startRedis();
    const c = createClient({
      url: other.url,
      maintNotifications: 'disabled',
      socket: { reconnectStrategy: () => 100 },
    });
    c.on('error', () => undefined);
    await c.connect();
    const v = verifierFor(iss, c, { timeoutMs: 300 });
    try {
      const { token } = await login(iss, c);
      await v.verify(token);
      await other.kill();
      const started = performance.now();
      await assert.rejects(v.verify(token), SessionStoreUnavailableError);
      const elapsed = performance.now() - started;
      // Within the 300 ms timeout, allowing a busy machine's late timers.
      assert.ok(elapsed < 300 + 5000, `refused after ${Math.round(elapsed)} ms`);
      c.destroy();
      await assert.rejects(v.verify(token), (err: unknown) => {
        assert.ok(err instanceof SessionStoreUnavailableError);
        assert.equal(err.reason, 'error');
        return true;
      });
    } finally {
      await v.close();
      if (c.isOpen) c.destroy();
      await other.stop();
    }
  });
});

describe('redis mode on a Redis Cluster', () => {
  let iss: TestIssuer;
  let cluster: ClusterHandle;
  let client: ReturnType<typeof createCluster>;
  let verifier: Verifier;

  before(async () => {
    iss = await startIssuer();
    cluster = await startCluster(3);
    client = createCluster({
      rootNodes: cluster.nodes.map((n) => ({ url: n.url })),
      defaults: { maintNotifications: 'disabled' },
    });
    client.on('error', () => undefined);
    await client.connect();
    verifier = verifierFor(iss, client);
  });
  after(async () => {
    await verifier.close();
    client.destroy();
    await cluster.stop();
    await iss.close();
  });

  it('finds each session on the node of its {sub} slot, and refuses it after logout', async () => {
    const sessions = await Promise.all(Array.from({ length: 20 }, () => login(iss, client)));
    for (const s of sessions) assert.equal((await verifier.verify(s.token)).sid, s.sid);
    for (const s of sessions) await client.del(sessionKey('tg:', s.sub, s.sid));
    for (const s of sessions) await assert.rejects(verifier.verify(s.token), SessionEndedError);
  });
});
