import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import { DeadlineList, type Deadline } from '../../src/redis/deadlines.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function entry(name: string, expired: Array<{ name: string; at: number }>): Deadline {
  return {
    at: 0,
    prev: undefined,
    next: undefined,
    linked: false,
    expire() {
      expired.push({ name, at: performance.now() });
    },
  };
}

describe('DeadlineList (one timer per connection)', () => {
  it('expires each command at its own deadline, oldest first, and never a settled one', async () => {
    const expired: Array<{ name: string; at: number }> = [];
    const list = new DeadlineList(120);
    const t0 = performance.now();
    const a = entry('a', expired);
    const settled = entry('settled', expired);
    list.add(a);
    list.add(settled);
    await sleep(60);
    const b = entry('b', expired);
    list.add(b);
    list.remove(settled);
    list.remove(settled); // twice is harmless
    assert.equal(list.size, 2);
    // Both expire (bounded wait: a busy machine runs timers late).
    for (let i = 0; i < 100 && expired.length < 2; i++) await sleep(50);
    assert.deepEqual(
      expired.map((e) => e.name),
      ['a', 'b'],
    );
    const [ea, eb] = expired.map((e) => e.at - t0);
    // a at 120 ms at the earliest; b, added 60 ms later, at 180 ms at the earliest (not
    // swept early together with a); both within seconds (the upper bounds allow for a
    // loaded machine; a missing sweep would leave them unexpired above).
    assert.ok(ea! >= 118 && ea! < 5_000, `a expired at ${ea} ms`);
    assert.ok(eb! >= 178 && eb! < 5_000, `b expired at ${eb} ms`);
    assert.equal(list.size, 0);
    assert.equal(a.linked, false);
    list.stop();
  });

  it('settled commands leave in any order; the rest still expire', async () => {
    const expired: Array<{ name: string; at: number }> = [];
    const list = new DeadlineList(50);
    const entries = ['a', 'b', 'c', 'd'].map((n) => entry(n, expired));
    for (const e of entries) list.add(e);
    list.remove(entries[2]!);
    list.remove(entries[0]!);
    assert.equal(list.size, 2);
    await sleep(150);
    assert.deepEqual(
      expired.map((e) => e.name),
      ['b', 'd'],
    );
    list.stop();
  });

  it('an expire callback may add a command; it gets its own full timeout', async () => {
    const expired: Array<{ name: string; at: number }> = [];
    const list = new DeadlineList(40);
    const later = entry('later', expired);
    const first: Deadline = {
      ...entry('first', expired),
      expire() {
        expired.push({ name: 'first', at: performance.now() });
        list.add(later);
      },
    };
    list.add(first);
    await sleep(200);
    assert.deepEqual(
      expired.map((e) => e.name),
      ['first', 'later'],
    );
    assert.ok(expired[1]!.at - expired[0]!.at >= 38, 'the added command waited its own timeout');
    list.stop();
  });

  it('stop() clears the timer: nothing expires afterwards', async () => {
    const expired: Array<{ name: string; at: number }> = [];
    const list = new DeadlineList(30);
    list.add(entry('a', expired));
    list.stop();
    await sleep(80);
    assert.deepEqual(expired, []);
  });
});
