/**
 * Login limits through the HTTP API: only wrong passwords count. Run on the memory
 * store (test/unit/login-limits.test.ts) and on Redis (test/integration/login-limits-redis.test.ts).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { TestApp } from './app.js';
import { call, PASSWORD, register, type HttpResult } from './http.js';

export const LIMITS_ENV = {
  TRUST_PROXY: '127.0.0.1',
  // No shedding here (it has its own test): every login below is judged.
  PASSWORD_HASH_QUEUE: '1000',
  PASSWORD_HASH_MAX_WAIT_MS: '30000',
  PASSWORD_HASH_QUEUE_ORDER: 'fifo',
  LOGIN_MAX_FAILURES_PER_ACCOUNT_IP: '3',
  LOGIN_MAX_FAILURES_PER_IP: '10',
  LOGIN_FAILURE_WINDOW: '60',
};

const email = (tag: string): string => `${tag}-${randomUUID().slice(0, 8)}@example.test`;

/** A fresh client address per test (the apps trust X-Forwarded-For from loopback). */
let lastOctets = 0;
const freshIp = (): string => {
  lastOctets++;
  return `198.51.${Math.floor(lastOctets / 250)}.${1 + (lastOctets % 250)}`;
};

export function loginLimitsSuite(name: string, start: () => Promise<TestApp>): void {
  describe(`login limits count only wrong passwords (${name})`, () => {
    let t: TestApp;
    before(async () => {
      t = await start();
    });
    after(async () => t?.close());

    let ip = freshIp();
    beforeEach(() => {
      ip = freshIp();
    });
    const login = (address: string, password: string, from = ip): Promise<HttpResult> =>
      call(t.target, 'POST', '/auth/login', {
        body: { email: address, password },
        headers: { 'x-forwarded-for': from },
      });

    it('40 concurrent correct logins of one account from one address: all 200', async () => {
      const e = email('same');
      await register(t.target, e);
      const results = await Promise.all(Array.from({ length: 40 }, () => login(e, PASSWORD)));
      assert.deepEqual(
        results.map((r) => r.status),
        results.map(() => 200),
      );
    });

    it('more correct logins in flight from one address than its failure limit: all 200', async () => {
      const accounts = Array.from({ length: 8 }, () => email('office'));
      for (const e of accounts) await register(t.target, e);
      const results = await Promise.all(
        Array.from({ length: 48 }, (_, i) => login(accounts[i % accounts.length]!, PASSWORD)),
      );
      assert.equal(results.filter((r) => r.status === 200).length, 48);
    });

    it('exactly the limit of wrong guesses is answered 401, even in parallel; then 429 with an exact Retry-After', async () => {
      const e = email('guess');
      await register(t.target, e);
      const burst = await Promise.all(Array.from({ length: 8 }, () => login(e, 'wrong guess!')));
      assert.equal(burst.filter((r) => r.status === 401).length, 3);
      assert.equal(burst.filter((r) => r.status === 429).length, 5);
      // Locked: even the right password is refused, and nothing is learned.
      const right = await login(e, PASSWORD);
      assert.equal(right.status, 429);
      assert.equal(right.body.error, 'too_many_attempts');
      const retry = Number(right.headers['retry-after']);
      assert.ok(retry >= 55 && retry <= 60, `Retry-After ${retry} is the window's remaining time`);
    });

    it('a correct login clears the account counter', async () => {
      const e = email('clear');
      await register(t.target, e);
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 2; i++) assert.equal((await login(e, 'wrong guess!')).status, 401);
        assert.equal((await login(e, PASSWORD)).status, 200);
      }
    });

    it('the per-address limit counts wrong guesses across accounts, and only them', async () => {
      const accounts = Array.from({ length: 5 }, () => email('ip'));
      for (const e of accounts) await register(t.target, e);
      // Many correct logins from that address first: they count for nothing.
      for (const e of accounts) assert.equal((await login(e, PASSWORD, ip)).status, 200);
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await login(accounts[i % 5]!, 'wrong guess!', ip)).status);
      assert.deepEqual(statuses.slice(0, 10), Array(10).fill(401));
      assert.deepEqual(statuses.slice(10), [429, 429]);
      assert.equal((await login(accounts[0]!, PASSWORD, ip)).status, 429, 'the address is locked');
      assert.equal((await login(accounts[0]!, PASSWORD, freshIp())).status, 200, 'other addresses are not');
    });
  });
}
