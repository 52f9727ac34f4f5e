import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { HashThreads } from '../../src/auth/hash-threads.js';
import { InternalError } from '../../src/errors.js';

const OPTIONS = { algorithm: 2, memoryCost: 1024, timeCost: 1, parallelism: 1 };

/** The nice value of every thread of this process (/proc/self/task/<tid>/stat, field 19). */
function niceValues(): number[] {
  return readdirSync('/proc/self/task').map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

describe('HashThreads', () => {
  it('hashes and verifies on its threads, lowered to nice 19 once asked (Linux)', async () => {
    const before = niceValues().filter((n) => n === 19).length;
    const threads = new HashThreads({ threads: 2, lowPriority: true });
    try {
      const stored = await threads.hash('a password', OPTIONS);
      assert.equal(await threads.verify(stored, 'a password'), true);
      assert.equal(await threads.verify(stored, 'another'), false);
      assert.equal(niceValues().filter((n) => n === 19).length, before, 'normal priority until asked');
      threads.lowerPriority();
      // Both threads exist and have handled the request once each has answered a job after it.
      await Promise.all([threads.hash('x', OPTIONS), threads.hash('y', OPTIONS)]);
      assert.equal(threads.nicedThreads, 2);
      assert.equal(niceValues().filter((n) => n === 19).length, before + 2);
      // The event loop (this thread) keeps its priority.
      assert.equal(niceValues()[0], 0);
    } finally {
      await threads.close();
    }
  });

  it('a malformed stored hash is an error of that job only; a closed pool refuses clearly', async () => {
    const threads = new HashThreads({ threads: 1, lowPriority: false });
    await assert.rejects(threads.verify('not a hash', 'x'), (err: Error) => !(err instanceof InternalError));
    assert.equal(typeof (await threads.hash('still works', OPTIONS)), 'string');
    await threads.close();
    await assert.rejects(threads.hash('x', OPTIONS), InternalError);
  });
});
