/**
 * The cluster's restart policy (backoff, crash-loop breaker) and the primary's bounded
 * collect (a silent or dead worker never holds up a group answer), without processes.
 */
import assert from 'node:assert/strict';
import type { Worker } from 'node:cluster';
import { describe, test } from 'node:test';
import { GroupCollector } from '../../src/cluster/group-collector.js';
import { RespawnPolicy } from '../../src/cluster/respawn.js';

describe('RespawnPolicy', () => {
  test('backs off exponentially from 100 ms to at most 5 s', () => {
    const policy = new RespawnPolicy({
      initialDelayMs: 100,
      maxDelayMs: 5000,
      maxCrashes: 100,
      windowMs: 60_000,
    });
    const delays = Array.from({ length: 8 }, (_, i) => {
      const d = policy.onCrash(i * 10);
      assert.equal(d.action, 'respawn');
      return d.action === 'respawn' ? d.delayMs : -1;
    });
    assert.deepEqual(delays, [100, 200, 400, 800, 1600, 3200, 5000, 5000]);
  });

  test('gives a slot up after more than 5 crashes within 60 s', () => {
    const policy = new RespawnPolicy();
    for (let i = 0; i < 5; i++) assert.equal(policy.onCrash(1000 + i * 1000).action, 'respawn');
    assert.deepEqual(policy.onCrash(6000), { action: 'give-up', recentCrashes: 6 });
  });

  test('crashes outside the window are forgotten (backoff starts over)', () => {
    const policy = new RespawnPolicy();
    for (let i = 0; i < 5; i++) policy.onCrash(i * 1000);
    const later = policy.onCrash(5 * 1000 + 60_000);
    assert.deepEqual(later, { action: 'respawn', delayMs: 100, recentCrashes: 1 });
  });
});

/** A stand-in for a cluster Worker: answers (or not) through the collector. */
function fakeWorker(id: number, onSend: (msg: { id: number }) => void, connected = true): Worker {
  return {
    id,
    isConnected: () => connected,
    send: (msg: { id: number }, _h: unknown, cb: (err: Error | null) => void) => {
      cb(null);
      onSend(msg);
      return true;
    },
  } as unknown as Worker;
}

describe('GroupCollector', () => {
  test('answers with every part as soon as all workers replied', async () => {
    // A long timeout, so that "as soon as" is told apart from "at the timeout" however
    // late a busy machine runs timers.
    const c = new GroupCollector(60_000);
    const workers = [1, 2, 3].map((id) =>
      fakeWorker(id, (m) => setImmediate(() => c.received(id, m.id, { id }))),
    );
    const t0 = Date.now();
    const parts = await c.collect(workers, 'poolStats');
    assert.equal(parts.length, 3);
    const ms = Date.now() - t0;
    assert.ok(ms < 10_000, `answered long before the 60 s timeout (${ms} ms)`);
  });

  test('a silent worker costs at most the timeout; the answer holds what arrived', async () => {
    const c = new GroupCollector(200);
    const workers = [
      fakeWorker(1, (m) => setImmediate(() => c.received(1, m.id, 'one'))),
      fakeWorker(2, () => undefined),
    ];
    const t0 = Date.now();
    const parts = await c.collect(workers, 'metrics');
    const ms = Date.now() - t0;
    assert.deepEqual(parts, ['one']);
    // Not before the timeout; after it by no more than a busy machine's late timers.
    assert.ok(ms >= 150 && ms < 200 + 5000, `bounded by the timeout (${ms} ms)`);
  });

  test('a worker that dies while asked is dropped at once', async () => {
    const c = new GroupCollector(60_000);
    const workers = [
      fakeWorker(1, (m) => setImmediate(() => c.received(1, m.id, 'one'))),
      fakeWorker(2, () => setTimeout(() => c.workerGone(2), 20)),
    ];
    const t0 = Date.now();
    assert.deepEqual(await c.collect(workers, 'metrics'), ['one']);
    const ms = Date.now() - t0;
    assert.ok(ms < 10_000, `answered long before the 60 s timeout (${ms} ms)`);
  });

  test('disconnected workers are not asked; late and duplicate replies are ignored', async () => {
    const c = new GroupCollector(1000);
    let asked = false;
    const parts = await c.collect([fakeWorker(1, () => (asked = true), false)], 'metrics');
    assert.deepEqual(parts, []);
    assert.equal(asked, false);
    c.received(1, 12345, 'late');
    const w = fakeWorker(3, (m) => setImmediate(() => (c.received(3, m.id, 'a'), c.received(3, m.id, 'b'))));
    assert.deepEqual(await c.collect([w], 'metrics'), ['a']);
  });
});
