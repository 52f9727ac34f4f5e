import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WaitQueue } from '../../src/util/wait-queue.js';

class Full extends Error {}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
class TimedOut extends Error {}

function queue(
  capacity: number,
  timeoutMs = 60_000,
  order: 'fifo' | 'lifo' | 'adaptive' = 'fifo',
  overloadMs?: number,
) {
  let full = 0;
  let timedOut = 0;
  const q = new WaitQueue<string>({
    capacity,
    timeoutMs,
    order,
    overloadMs,
    onFull: () => (full++, new Full()),
    onTimeout: () => (timedOut++, new TimedOut()),
  });
  return { q, counts: () => ({ full, timedOut }) };
}

describe('WaitQueue', () => {
  it('hands values to waiters oldest first; nobody waiting: handOver says so', async () => {
    const { q } = queue(10);
    assert.equal(q.handOver('nobody'), false);
    const waits = [q.wait(), q.wait(), q.wait()];
    assert.equal(q.length, 3);
    assert.equal(q.handOver('a'), true);
    assert.equal(q.handOver('b'), true);
    assert.equal(q.handOver('c'), true);
    assert.deepEqual(await Promise.all(waits), ['a', 'b', 'c']);
    assert.equal(q.length, 0);
    assert.equal(q.handOver('d'), false);
  });

  it('lifo: hands values to the newest waiter first; timeouts still end the oldest', async () => {
    const { q, counts } = queue(10, 50, 'lifo');
    const oldest = q.wait();
    const waits = [q.wait(), q.wait()];
    assert.equal(q.handOver('newest'), true);
    assert.equal(q.handOver('middle'), true);
    assert.deepEqual(await Promise.all(waits), ['middle', 'newest']);
    await assert.rejects(oldest, TimedOut);
    assert.deepEqual(counts(), { full: 0, timedOut: 1 });
    assert.equal(q.length, 0);
  });

  it('adaptive: oldest first while the queue is young', async () => {
    const { q } = queue(10, 60_000, 'adaptive', 5_000);
    const waits = [q.wait(), q.wait(), q.wait()];
    assert.equal(q.overloaded, false);
    q.handOver('a');
    q.handOver('b');
    q.handOver('c');
    assert.deepEqual(await Promise.all(waits), ['a', 'b', 'c']);
  });

  it('adaptive: once the queue has stood for overloadMs, newest first and newcomers wait at most overloadMs', async () => {
    const { q, counts } = queue(10, 60_000, 'adaptive', 40);
    const oldest = q.wait(); // joined before the overload: its wait is the long one
    await sleep(60);
    assert.equal(q.overloaded, true);
    const newcomer = q.wait(); // joined during it: at most 40 ms
    const newest = q.wait();
    assert.equal(q.handOver('to the newest'), true);
    assert.equal(await newest, 'to the newest');
    const started = performance.now();
    await assert.rejects(newcomer, TimedOut);
    const waited = performance.now() - started;
    assert.ok(waited < 20_000, `the newcomer got its answer after ${Math.round(waited)} ms, not 60 s`);
    assert.deepEqual(counts(), { full: 0, timedOut: 1 });
    // The oldest still waits (on its long timeout) and is the one left.
    assert.equal(q.length, 1);
    assert.equal(q.handOver('to the oldest'), true);
    assert.equal(await oldest, 'to the oldest');
    // Emptied by hand-overs, but no spare value yet: still the standing queue's rules.
    assert.equal(q.overloaded, true);
    // A value with nobody waiting for it: no longer overloaded, oldest first once more.
    assert.equal(q.handOver('spare'), false);
    assert.equal(q.overloaded, false);
    const again = [q.wait(), q.wait()];
    q.handOver('first');
    q.handOver('second');
    assert.deepEqual(await Promise.all(again), ['first', 'second']);
  });

  it('dropOldest rejects the oldest waiter as timed out; nobody waiting: says so', async () => {
    const { q, counts } = queue(10);
    assert.equal(q.dropOldest(), false);
    const first = q.wait();
    const second = q.wait();
    assert.equal(q.dropOldest(), true);
    await assert.rejects(first, TimedOut);
    assert.deepEqual(counts(), { full: 0, timedOut: 1 });
    assert.equal(q.length, 1);
    q.handOver('second');
    assert.equal(await second, 'second');
  });

  it('adaptive: the overload wait can be shorter than the time that makes it overload', async () => {
    let timedOut = 0;
    const q = new WaitQueue<string>({
      capacity: 10,
      timeoutMs: 60_000,
      order: 'adaptive',
      overloadMs: 40,
      overloadWaitMs: 10,
      onFull: () => new Full(),
      onTimeout: () => (timedOut++, new TimedOut()),
    });
    const first = q.wait();
    assert.equal(q.overloaded, false, 'a queue that has just formed is not overload');
    for (let i = 0; i < 100 && !q.overloaded; i++) await sleep(20);
    assert.equal(q.overloaded, true, 'overload once the queue stood for overloadMs');
    const started = performance.now();
    await assert.rejects(q.wait(), TimedOut);
    // About overloadWaitMs (10 ms), not the queue's 60 s timeout (wide: timers run late on a busy machine).
    assert.ok(performance.now() - started < 20_000);
    assert.equal(timedOut, 1);
    q.handOver('first');
    assert.equal(await first, 'first');
  });

  it('fifo and lifo never report overload', async () => {
    for (const order of ['fifo', 'lifo'] as const) {
      const { q } = queue(10, 60_000, order, 1);
      const w = q.wait();
      await sleep(10);
      assert.equal(q.overloaded, false, order);
      q.handOver('x');
      assert.equal(await w, 'x');
    }
  });

  it('refuses at once when full, with the owner’s error', async () => {
    const { q, counts } = queue(2);
    const kept = [q.wait(), q.wait()];
    await assert.rejects(q.wait(), Full);
    assert.deepEqual(counts(), { full: 1, timedOut: 0 });
    assert.equal(q.length, 2);
    q.handOver('x');
    q.handOver('y');
    assert.deepEqual(await Promise.all(kept), ['x', 'y']);
  });

  it('capacity 0: nobody may wait', async () => {
    const { q } = queue(0);
    await assert.rejects(q.wait(), Full);
  });

  it('timed-out waiters leave the queue; later waiters queue and are served in order', async () => {
    const { q, counts } = queue(10, 20);
    const first = q.wait();
    const second = q.wait();
    const third = q.wait();
    // The first waiter is served before its time runs out; the others time out in order.
    q.handOver('served');
    assert.equal(await first, 'served');
    const results = await Promise.allSettled([second, third]);
    assert.ok(results.every((r) => r.status === 'rejected' && r.reason instanceof TimedOut));
    assert.deepEqual(counts(), { full: 0, timedOut: 2 });
    assert.equal(q.length, 0);
    // The list is consistent after removals: new waiters queue and are served in order.
    const again = [q.wait(), q.wait()];
    q.handOver('p');
    q.handOver('q');
    assert.deepEqual(await Promise.all(again), ['p', 'q']);
  });

  it('after rejectAll the queue is empty and serves new waiters', async () => {
    const { q } = queue(10, 60_000);
    const a = q.wait();
    const b = q.wait();
    const c = q.wait();
    assert.equal(
      q.rejectAll(() => new Error('closed')),
      3,
    );
    for (const p of [a, b, c]) await assert.rejects(p, /closed/);
    assert.equal(q.length, 0);
    assert.equal(q.handOver('none'), false);
    const d = q.wait();
    assert.equal(q.handOver('d'), true);
    assert.equal(await d, 'd');
  });

  it('rejectAll gives each waiter a fresh error and clears their timers', async () => {
    const { q, counts } = queue(10, 30);
    const waits = [q.wait(), q.wait()];
    const errors: Error[] = [];
    q.rejectAll(() => {
      const e = new Error('gone');
      errors.push(e);
      return e;
    });
    const settled = await Promise.allSettled(waits);
    assert.deepEqual(
      settled.map((s) => (s.status === 'rejected' ? (s.reason as Error) : undefined)),
      errors,
    );
    await new Promise((r) => setTimeout(r, 60));
    assert.deepEqual(counts(), { full: 0, timedOut: 0 }, 'no timer fired after rejectAll');
  });
});
