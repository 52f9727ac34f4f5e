import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { StoreTimeoutError, StoreUnavailableError } from '../../src/errors.js';
import { connectError } from '../../src/redis/connect-error.js';
import { commandName, firstKeyOf } from '../../src/redis/routing.js';
import { defineScript } from '../../src/redis/index.js';
import { assertKeyCount, evalArgs, evalShaArgs } from '../../src/redis/scripts.js';
import { ErrorReply } from 'redis';

describe('scripts', () => {
  test('defineScript computes the SHA1 of the source and freezes the script', () => {
    const src = "return redis.call('GET', KEYS[1])";
    const s = defineScript('get', src, 1);
    assert.equal(s.sha1, createHash('sha1').update(src).digest('hex'));
    assert.equal(s.numberOfKeys, 1);
    assert.ok(Object.isFrozen(s));
    assert.throws(() => defineScript('bad', src, -1), TypeError);
  });

  test('EVALSHA / EVAL argument layout and key count check', () => {
    const s = defineScript('x', 'return 1', 2);
    assert.deepEqual(evalShaArgs(s, ['k1', 'k2'], ['a']), ['EVALSHA', s.sha1, '2', 'k1', 'k2', 'a']);
    assert.deepEqual(evalArgs(s, ['k1', 'k2'], []), ['EVAL', 'return 1', '2', 'k1', 'k2']);
    assert.throws(() => assertKeyCount(s, ['k1']), /takes 2 keys, got 1/);
  });
});

describe('routing and connect errors', () => {
  test('first key routes commands; keyless commands route nowhere', () => {
    assert.equal(firstKeyOf(['GET', 'tg:sess:{u}:s']), 'tg:sess:{u}:s');
    assert.equal(firstKeyOf(['set', Buffer.from('k'), 'v']), 'k');
    assert.equal(firstKeyOf(['PING']), undefined);
    assert.equal(firstKeyOf(['info', 'memory']), undefined);
    assert.equal(commandName(['evalsha', 'x']), 'EVALSHA');
  });

  test('connect errors are clear and carry no credentials', () => {
    const auth = connectError(new ErrorReply('WRONGPASS invalid username-password pair'), 'redis://h:1/0');
    assert.equal(auth.reason, 'error');
    assert.match(auth.message, /authentication failed for redis:\/\/h:1\/0 \(WRONGPASS\)/);
    const refused = connectError(
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      'redis://h:1/0',
    );
    assert.equal(refused.reason, 'disconnected');
    assert.match(refused.message, /Cannot connect to Redis at redis:\/\/h:1\/0: ECONNREFUSED/);
    const t = new StoreTimeoutError('x');
    assert.equal(connectError(t, 'h'), t);
    assert.ok(connectError(new Error('boom'), 'h') instanceof StoreUnavailableError);
  });
});
