import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { StoreUnavailableError } from '../../src/errors.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { storeContract } from '../helpers/store-contract.js';

let now = 1_700_000_000_000;
const store = new MemoryStore({ now: () => now });
after(() => store.close());

storeContract('memory', {
  store: () => store,
  expire: (seconds) => {
    now += seconds * 1000;
    return Promise.resolve();
  },
});

describe('MemoryStore specifics', () => {
  it('sweeps expired sessions and counters', async () => {
    const s = new MemoryStore({ now: () => now });
    await s.createSession({
      uid: 'u',
      sid: 's',
      email: 'e',
      refreshHash: 'h',
      ttlSeconds: 1,
      maxPerUser: 10,
      ip: '',
      userAgent: '',
      auth: { authTime: 0, amr: [] },
    });
    now += 2000;
    s.sweep();
    assert.equal(await s.countSessions('u'), 0);
    assert.equal(await s.deleteAllSessions('u'), 0);
    await s.close();
  });

  it('fails closed after close()', async () => {
    const s = new MemoryStore();
    await s.close();
    await assert.rejects(s.isSessionAlive('u', 's'), StoreUnavailableError);
  });
});
