import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Admission, nextMeanRunMs } from '../../src/auth/admission.js';
import { buildKeySet, generateSigningKeyPem } from '../../src/auth/keys.js';
import { auditTrail } from '../../src/persistence/audit.js';
import { SqlUserDirectory } from '../../src/persistence/directory/sql-user-directory.js';
import { noPasswordPolicy } from '../../src/auth/password-policy.js';
import { AuthService } from '../helpers/auth-service.js';
import { bareAccountFlows } from '../helpers/account-flows.js';
import { testDatabase } from '../helpers/databases.js';
import { loadConfig } from '../../src/config/load.js';
import { OverloadedError } from '../../src/errors.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { testHasher } from '../helpers/hasher.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Admission', () => {
  it('runs at most `concurrency` at once and hands slots to waiters in order', async () => {
    const a = new Admission({ concurrency: 2, maxQueue: 10, maxWaitMs: 5000 });
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        a.run(async () => {
          running++;
          peak = Math.max(peak, running);
          await sleep(10);
          order.push(i);
          running--;
        }),
      ),
    );
    assert.equal(peak, 2);
    assert.deepEqual(order, [0, 1, 2, 3, 4, 5]);
    const {
      busy_seconds_total: busy,
      hash_seconds: _hash,
      predicted_wait_seconds: _wait,
      ...stats
    } = a.stats;
    // Six runs of about 10 ms each: the slots' busy time adds them up.
    assert.ok(busy >= 0.05 && busy < 5, `busy ${busy} s`);
    assert.deepEqual(stats, {
      slots: 2,
      running: 0,
      queued: 0,
      approaching: 0,
      overloaded: false,
      rejected_total: 0,
      timed_out_total: 0,
    });
  });

  it('refuses at once beyond the queue bound, and after the longest wait', async () => {
    const a = new Admission({ concurrency: 1, maxQueue: 1, maxWaitMs: 50 });
    let longDone = false;
    const long = a.run(() => sleep(200)).then(() => (longDone = true));
    const waiting = a.run(() => Promise.resolve('late'));
    await assert.rejects(
      a.run(() => Promise.resolve()),
      OverloadedError,
    );
    assert.equal(longDone, false, 'queue full: refused at once, not after the running hash');
    await assert.rejects(waiting, OverloadedError);
    assert.equal(longDone, false, 'the waiter gave up after maxWaitMs, before the slot freed');
    await long;
    assert.equal(a.stats.rejected_total, 2);
    assert.equal(a.stats.timed_out_total, 1, 'one refused on arrival, one after waiting');
    assert.equal(await a.run(() => Promise.resolve('free')), 'free');
  });

  it('adaptive: under a standing queue the newest waiter gets the slot; nobody waits much past overloadMs', async () => {
    const a = new Admission({
      concurrency: 1,
      maxQueue: 10,
      maxWaitMs: 60_000,
      queueOrder: 'adaptive',
      overloadMs: 30,
    });
    let release!: () => void;
    const running = a.run(() => new Promise<void>((r) => (release = r)));
    const early = a.run(() => Promise.resolve('early')); // joins a young queue: the long wait
    await sleep(50);
    assert.equal(a.stats.overloaded, true);
    const started = performance.now();
    const refused = a.run(() => Promise.resolve('refused'));
    // The next arrival ends the wait that is already past overloadMs...
    await assert.rejects(early, OverloadedError);
    // ...and its own wait is the short one.
    await assert.rejects(refused, OverloadedError);
    assert.ok(performance.now() - started < 1_000, 'answered after about overloadMs, not maxWaitMs');
    const newest = a.run(() => Promise.resolve('newest'));
    const newer = a.run(() => Promise.resolve('newer'));
    release();
    assert.equal(await newer, 'newer', 'the freed slot went to the newest waiter');
    assert.equal(await newest, 'newest');
    await running;
    const {
      busy_seconds_total: _busy,
      hash_seconds: _hash,
      predicted_wait_seconds: _wait,
      ...stats
    } = a.stats;
    assert.deepEqual(stats, {
      slots: 1,
      running: 0,
      queued: 0,
      approaching: 0,
      overloaded: false,
      rejected_total: 2,
      timed_out_total: 2,
    });
  });
});

describe('Admission.approach', () => {
  it('refuses (and counts) only while every slot is busy and the waiters fill the queue', async () => {
    const a = new Admission({ concurrency: 1, maxQueue: 1, maxWaitMs: 5000 });
    a.approach().leave(); // idle
    let release!: () => void;
    const running = a.run(() => new Promise<void>((r) => (release = r)));
    await sleep(0); // the slot is taken, the work started
    const on = a.approach(); // a slot busy, the queue empty
    const queued = on.run(() => Promise.resolve());
    assert.throws(() => a.approach(), OverloadedError);
    assert.equal(a.stats.rejected_total, 1);
    release();
    await Promise.all([running, queued]);
    a.approach().leave();
    const {
      busy_seconds_total: _busy,
      hash_seconds: _hash,
      predicted_wait_seconds: _wait,
      ...stats
    } = a.stats;
    assert.deepEqual(stats, {
      slots: 1,
      running: 0,
      queued: 0,
      approaching: 0,
      overloaded: false,
      rejected_total: 1,
      timed_out_total: 0,
    });
  });

  it('counts callers on their way with the queue until they run or leave, once', async () => {
    const a = new Admission({ concurrency: 1, maxQueue: 2, maxWaitMs: 5000 });
    let release!: () => void;
    const running = a.run(() => new Promise<void>((r) => (release = r)));
    await sleep(0);
    const first = a.approach();
    const second = a.approach();
    assert.equal(a.stats.approaching, 2);
    assert.throws(() => a.approach(), OverloadedError, 'two on their way fill a queue of two');
    second.leave();
    second.leave(); // harmless twice
    assert.equal(a.stats.approaching, 1);
    const third = a.approach();
    const done = first.run(() => Promise.resolve('first'));
    assert.equal(a.stats.approaching, 1);
    third.leave();
    first.leave(); // harmless after run
    assert.deepEqual([a.stats.approaching, a.stats.queued], [0, 1]);
    release();
    assert.equal(await done, 'first');
    await running;
  });

  it('adaptive: under overload, keeps the queue to what the slots can serve within overloadMs', async () => {
    const a = new Admission({
      concurrency: 1,
      maxQueue: 10,
      maxWaitMs: 60_000,
      queueOrder: 'adaptive',
      overloadMs: 30,
    });
    await a.run(() => sleep(40)); // a hash takes ~40 ms: within 30 ms one slot serves one waiter
    let release!: () => void;
    const running = a.run(() => new Promise<void>((r) => (release = r)));
    await sleep(0);
    const oldest = a.run(() => Promise.resolve('oldest')); // joined a young queue: the long wait
    a.approach().leave(); // a young queue of one: not overload yet, room up to maxQueue
    await sleep(50);
    assert.equal(a.stats.overloaded, true);
    // The next to join ends the wait already past overloadMs, and waits itself.
    const young = a.run(() => Promise.resolve('young'));
    await assert.rejects(oldest, OverloadedError);
    // A newcomer is refused before its lookup: one waiter is what one slot serves within 30 ms...
    assert.throws(() => a.approach(), OverloadedError);
    assert.equal(a.stats.rejected_total, 2);
    // ...and one that joins anyway pushes out the older waiter, who would only have waited longer.
    const newcomer = a.run(() => Promise.resolve('newcomer'));
    await assert.rejects(young, OverloadedError);
    assert.equal(a.stats.rejected_total, 3);
    assert.equal(a.stats.queued, 1);
    release();
    assert.equal(await newcomer, 'newcomer');
    await running;
    a.approach().leave();
  });
});

describe('login under a hashing flood', () => {
  it('sheds excess logins with a 503-class error and gives their attempts back', async () => {
    const config = loadConfig(
      {
        // The per-IP counter is only decremented on success (never reset), so it shows refunds.
        LOGIN_MAX_FAILURES_PER_ACCOUNT_IP: '1000',
        LOGIN_MAX_FAILURES_PER_IP: '8',
        PASSWORD_HASH_CONCURRENCY: '1',
        PASSWORD_HASH_QUEUE: '1',
        PASSWORD_HASH_MAX_WAIT_MS: '5000',
      },
      { skipEnvFiles: true },
    );
    const store = new MemoryStore();
    const database = await testDatabase();
    const directory = new SqlUserDirectory(database);
    const auth = new AuthService({
      config,
      store,
      directory,
      audit: auditTrail(directory),
      keys: await buildKeySet(generateSigningKeyPem()),
      passwordPolicy: noPasswordPolicy,
      ...bareAccountFlows(database),
      hasher: testHasher,
    });
    await auth.register('flood@example.test', 'the right password', { ip: '10.0.0.9', userAgent: 'test' });
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, () =>
        auth.login('flood@example.test', 'the right password', { ip: '10.0.0.9', userAgent: 'test' }),
      ),
    );
    const shed = results.filter((r) => r.status === 'rejected' && r.reason instanceof OverloadedError).length;
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 2);
    assert.equal(shed, 4);
    assert.equal(new OverloadedError().statusCode, 503);
    // Shed logins were refunded: the full eight wrong guesses are still allowed before the lockout.
    for (let i = 0; i < 8; i++) {
      await assert.rejects(auth.login('flood@example.test', 'wrong', { ip: '10.0.0.9', userAgent: 'test' }), {
        code: 'invalid_credentials',
      });
    }
    await assert.rejects(
      auth.login('flood@example.test', 'the right password', { ip: '10.0.0.9', userAgent: 'test' }),
      {
        code: 'too_many_attempts',
      },
    );
    await store.close();
    await directory.close();
  });
});

describe('Admission, predicted-wait policy', () => {
  const predicted = (over: Partial<ConstructorParameters<typeof Admission>[0]> = {}) =>
    new Admission({ concurrency: 1, maxQueue: 10_000, maxWaitMs: 1000, policy: 'predicted-wait', ...over });

  it('serves a whole burst the slots clear within the bound, oldest first', async () => {
    const a = predicted({ concurrency: 2, maxWaitMs: 2000, initialRunMs: 5 });
    const order: number[] = [];
    const results = await Promise.allSettled(
      Array.from({ length: 100 }, (_, i) =>
        a.run(async () => {
          await sleep(2);
          order.push(i);
        }),
      ),
    );
    assert.equal(results.filter((r) => r.status === 'rejected').length, 0);
    assert.equal(a.stats.rejected_total, 0);
    assert.deepEqual(order.slice(0, 4).sort(), [0, 1, 2, 3]);
  });

  it('refuses at once, with Retry-After = the predicted wait, those predicted past the bound', async () => {
    const a = predicted({ maxWaitMs: 1500, initialRunMs: 1000 });
    let release!: () => void;
    const running = a.run(() => new Promise<void>((r) => (release = r)));
    const waiting = a.approach(); // place 1: about 1 s
    assert.ok(Math.abs(a.predictedWaitMs() - 2000) < 1, `${a.predictedWaitMs()}`);
    const refused = (() => {
      try {
        a.approach();
      } catch (err) {
        return err;
      }
    })();
    assert.ok(refused instanceof OverloadedError);
    assert.equal(refused.retryAfterSeconds, 2);
    // approach() threw synchronously: refused at once, without waiting for anything.
    // A caller not approaching first (a registration) is judged the same way at its run.
    await assert.rejects(
      a.run(() => Promise.resolve()),
      (err: OverloadedError) => err.retryAfterSeconds === 2,
    );
    // The admitted caller is not judged again when it reaches its run, and gets the slot.
    const served = waiting.run(() => Promise.resolve('served'));
    release();
    await running;
    assert.equal(await served, 'served');
    assert.equal(a.stats.rejected_total, 2);
  });

  it('admits slots x bound / hash time of a large burst and refuses the rest at once', async () => {
    // Two slots, hashes of 1 s (the first guess), a 30 s bound: 2 run, 60 wait (a long
    // bound, so that no waiter times out while the test releases them, however slow).
    const a = predicted({ concurrency: 2, maxWaitMs: 30_000, initialRunMs: 1000 });
    const releases: Array<() => void> = [];
    const settled: Array<'ok' | 'refused'> = [];
    const calls = Array.from({ length: 1000 }, () =>
      a
        .run(() => new Promise<void>((r) => releases.push(r)))
        .then(
          () => void settled.push('ok'),
          (err: unknown) => {
            assert.ok(err instanceof OverloadedError);
            settled.push('refused');
          },
        ),
    );
    // Before any hash ends: the excess has its answer already.
    await sleep(0);
    assert.equal(a.stats.running + a.stats.queued, 62);
    assert.equal(settled.filter((x) => x === 'refused').length, 938);
    assert.equal(a.stats.rejected_total, 938);
    assert.equal(a.stats.timed_out_total, 0, 'all refused on arrival');
    while (settled.length < 1000) {
      releases.splice(0).forEach((r) => r());
      await sleep(1);
    }
    await Promise.all(calls);
    assert.equal(settled.filter((x) => x === 'ok').length, 62);
  });

  it('refuses a waiter still waiting at twice the bound (the prediction failed)', async () => {
    const a = predicted({ maxWaitMs: 40, initialRunMs: 1 });
    let release!: () => void;
    const running = a.run(() => new Promise<void>((r) => (release = r)));
    const late = a.run(() => Promise.resolve());
    await assert.rejects(late, OverloadedError);
    assert.equal(a.stats.rejected_total, 1);
    assert.equal(a.stats.timed_out_total, 1, 'counted as refused after waiting');
    release();
    await running;
  });
});

describe('the mean hash time', () => {
  it('follows a slowdown at once and believes a speed-up slowly', () => {
    let mean = 0;
    for (let i = 0; i < 50; i++) mean = nextMeanRunMs(mean, 20);
    assert.equal(mean, 20);
    // One quick hash (the event loop idle for a moment) barely lowers it...
    const afterQuick = nextMeanRunMs(mean, 5);
    assert.ok(afterQuick > 19.5, `${afterQuick}`);
    // ...one slow hash raises it by a fifth of the difference.
    assert.ok(Math.abs(nextMeanRunMs(mean, 40) - 24) < 1e-9);
    // A lasting speed-up is followed within about a hundred hashes.
    for (let i = 0; i < 100; i++) mean = nextMeanRunMs(mean, 10);
    assert.ok(mean < 11.5, `${mean}`);
  });
});
