import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AbortError,
  ClientClosedError,
  ClientOfflineError,
  ErrorReply,
  SocketClosedUnexpectedlyError,
} from 'redis';
import { PoolExhaustedError, StoreTimeoutError, StoreUnavailableError } from '../../src/errors.js';
import {
  MAX_RETRIES,
  classify,
  errorCode,
  isNoScript,
  markFinal,
  markNotSent,
  reconnectDelayMs,
  retryDelayMs,
  shouldRetry,
} from '../../src/redis/retry.js';

describe('retry backoff', () => {
  test('8 -> 32 -> 128 ms, capped at 512 ms', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 10].map(retryDelayMs), [8, 32, 128, 512, 512, 512]);
    assert.equal(MAX_RETRIES, 3);
  });

  test('reconnect backoff is exponential with equal jitter and a cap', () => {
    const backoff = { baseMs: 50, maxMs: 1000 };
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 20].map((a) => reconnectDelayMs(a, backoff, () => 0)),
      [25, 50, 100, 200, 400, 500, 500],
    );
    assert.deepEqual(
      [0, 1, 2, 5, 50].map((a) => reconnectDelayMs(a, backoff, () => 0.999999)),
      [50, 100, 200, 1000, 1000],
    );
    for (let i = 0; i < 200; i++) {
      const d = reconnectDelayMs(3);
      assert.ok(d >= 200 && d <= 400, String(d));
    }
  });
});

describe('retry classification', () => {
  test('client offline / closed / aborted: provably not sent', () => {
    for (const err of [new ClientOfflineError(), new ClientClosedError(), new AbortError()]) {
      const c = classify(err);
      assert.equal(c.state, 'not_sent');
      assert.ok(c.error instanceof StoreUnavailableError);
      assert.equal(c.error.reason, 'disconnected');
    }
  });

  test('pool-raised "no connection" is not sent; the same error unmarked is maybe sent', () => {
    assert.equal(classify(markNotSent(new StoreUnavailableError('disconnected'))).state, 'not_sent');
    assert.equal(classify(new StoreUnavailableError('disconnected')).state, 'maybe_sent');
    assert.equal(classify(markFinal(new StoreUnavailableError('disconnected'))).state, 'final');
  });

  test('socket lost after write: maybe sent', () => {
    const c = classify(new SocketClosedUnexpectedlyError());
    assert.equal(c.state, 'maybe_sent');
    assert.equal(c.error.reason, 'disconnected');
    assert.equal(
      classify(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })).state,
      'maybe_sent',
    );
  });

  test('timeout, exhaustion and closed are final', () => {
    assert.equal(classify(new StoreTimeoutError()).state, 'final');
    assert.equal(classify(new PoolExhaustedError()).state, 'final');
    assert.equal(classify(new StoreUnavailableError('closed')).state, 'final');
  });

  test('reply errors: final, except refusals that prove nothing ran', () => {
    const wrongType = classify(
      new ErrorReply('WRONGTYPE Operation against a key holding the wrong kind of value'),
    );
    assert.equal(wrongType.state, 'final');
    assert.equal(wrongType.error.reason, 'error');
    assert.match(wrongType.error.message, /WRONGTYPE/);
    for (const code of ['LOADING', 'BUSY', 'MASTERDOWN', 'READONLY', 'TRYAGAIN', 'CLUSTERDOWN']) {
      assert.equal(classify(new ErrorReply(`${code} something`)).state, 'not_sent', code);
    }
    assert.equal(errorCode(new ErrorReply('ERR unknown command')), 'ERR');
    assert.equal(errorCode(new Error('lowercase message')), undefined);
    assert.ok(isNoScript(new ErrorReply('NOSCRIPT No matching script. Please use EVAL.')));
    assert.ok(!isNoScript(new Error('NOSCRIPT but not a reply')));
  });

  test('retry decision: never past 3; idempotent only helps when maybe sent', () => {
    assert.equal(shouldRetry('not_sent', false, 0), true);
    assert.equal(shouldRetry('not_sent', false, 2), true);
    assert.equal(shouldRetry('not_sent', false, 3), false);
    assert.equal(shouldRetry('maybe_sent', false, 0), false);
    assert.equal(shouldRetry('maybe_sent', true, 0), true);
    assert.equal(shouldRetry('maybe_sent', true, 3), false);
    assert.equal(shouldRetry('final', true, 0), false);
  });
});
