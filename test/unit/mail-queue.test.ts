/** Queue mechanics with a scripted in-process transport (the SMTP behaviour is in test/integration/mail-smtp). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  MailQueue,
  backoffDelay,
  classifySendError,
  type MailMessage,
  type MailTransport,
} from '../../src/mail/index.js';
import { captureLogs } from '../helpers/log-capture.js';

function message(i: number): MailMessage {
  return {
    kind: 'password_reset',
    to: `user${i}@example.org`,
    from: 'no-reply@example.com',
    subject: 's',
    text: 't',
    html: 'h',
    links: [`https://example.com/reset-password?token=secret${i}`],
    messageId: `<${i}@example.com>`,
  };
}

/** Each send waits until the test releases it; records the peak of concurrent sends. */
function gatedTransport() {
  const gates: Array<() => void> = [];
  const state = { active: 0, peak: 0, sent: [] as string[] };
  const transport: MailTransport = {
    name: 'log',
    async send(m) {
      state.active += 1;
      state.peak = Math.max(state.peak, state.active);
      await new Promise<void>((resolve) => gates.push(resolve));
      state.active -= 1;
      state.sent.push(m.to);
    },
    async verify() {},
    async close() {},
  };
  const releaseAll = async (): Promise<void> => {
    while (gates.length > 0) {
      gates.shift()!();
      await new Promise((r) => setImmediate(r));
    }
  };
  return { transport, state, gates, releaseAll };
}

describe('backoffDelay', () => {
  it('doubles per attempt, keeps at least half of the delay, and stops at the cap', () => {
    assert.equal(
      backoffDelay(1, 1000, 30_000, () => 0),
      500,
    );
    assert.equal(
      backoffDelay(1, 1000, 30_000, () => 0.999999),
      1000,
    );
    assert.equal(
      backoffDelay(2, 1000, 30_000, () => 0),
      1000,
    );
    assert.equal(
      backoffDelay(3, 1000, 30_000, () => 0.5),
      3000,
    );
    assert.equal(
      backoffDelay(10, 1000, 30_000, () => 0),
      15_000,
    );
    assert.equal(
      backoffDelay(10, 1000, 30_000, () => 0.999999),
      30_000,
    );
  });
});

describe('MailQueue', () => {
  it('sends at most `concurrency` messages at once, in order', async () => {
    const { transport, state, gates, releaseAll } = gatedTransport();
    const q = new MailQueue({
      transport,
      logger: captureLogs().logger,
      classify: classifySendError,
      concurrency: 2,
    });
    for (let i = 0; i < 5; i++) assert.equal(q.enqueue(message(i)), true);
    assert.equal(gates.length, 2);
    assert.deepEqual(
      { ...q.stats() },
      { waiting: 3, sending: 2, retrying: 0, sent: 0, retried: 0, failed: 0, dropped: 0 },
    );
    const idle = q.idle(5000);
    for (let round = 0; round < 20 && state.sent.length < 5; round++) await releaseAll();
    assert.equal(await idle, true);
    assert.equal(state.peak, 2);
    assert.deepEqual(
      state.sent,
      [0, 1, 2, 3, 4].map((i) => `user${i}@example.org`),
    );
    await q.close(100);
  });

  it('idle() answers false when its bound passes first', async () => {
    const { transport, releaseAll } = gatedTransport();
    const q = new MailQueue({ transport, logger: captureLogs().logger, classify: classifySendError });
    q.enqueue(message(1));
    assert.equal(await q.idle(20), false);
    await releaseAll();
    assert.equal(await q.idle(1000), true);
    await q.close(100);
  });

  it('keeps delivering when the metrics hook throws', async () => {
    const transport: MailTransport = {
      name: 'log',
      async send() {},
      async verify() {},
      async close() {},
    };
    const q = new MailQueue({
      transport,
      logger: captureLogs().logger,
      classify: classifySendError,
      onEvent: () => {
        throw new Error('broken hook');
      },
    });
    q.enqueue(message(1));
    q.enqueue(message(2));
    assert.equal(await q.idle(1000), true);
    assert.equal(q.stats().sent, 2);
    await q.close(100);
  });

  it('counts a permanent failure and keeps the reply text, which names the address, out of the log', async () => {
    const log = captureLogs();
    const transport: MailTransport = {
      name: 'smtp',
      async send() {
        throw Object.assign(new Error('550 5.1.1 <user1@example.org>: no such user'), { responseCode: 550 });
      },
      async verify() {},
      async close() {},
    };
    const q = new MailQueue({ transport, logger: log.logger, classify: classifySendError });
    q.enqueue(message(1));
    assert.equal(await q.idle(1000), true);
    assert.equal(q.stats().failed, 1);
    // The server's reply text names the address: it stays out of the log.
    for (const line of log.lines) {
      assert.ok(!line.includes('user1@'), line);
      assert.ok(!line.includes('secret1'), line);
    }
    await q.close(100);
  });

  it('refuses nonsensical tuning', () => {
    const transport = gatedTransport().transport;
    const logger = captureLogs().logger;
    for (const bad of [
      { maxQueue: 0 },
      { concurrency: -1 },
      { maxAttempts: Number.NaN },
      { sendTimeoutMs: 0 },
    ]) {
      assert.throws(
        () => new MailQueue({ transport, logger, classify: classifySendError, ...bad }),
        RangeError,
      );
    }
  });
});
