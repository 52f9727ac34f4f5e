/**
 * The Mailer against a real SMTP server (test/helpers/smtp-server.ts): what arrives,
 * how transient and permanent failures are retried or given up, the queue bound, the
 * bounded close, and what the logs never say.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createMailer, type Mailer, type MailerOptions, type MailEvent } from '../../src/mail/index.js';
import { withTimeout } from '../../src/util/timeout.js';
import { captureLogs, type CapturedLog } from '../helpers/log-capture.js';
import { freePort } from '../helpers/ports.js';
import { startSmtpServer, type SmtpSink } from '../helpers/smtp-server.js';

const PUBLIC_URL = 'https://auth.example.test/accounts';
const FROM = '"Example Accounts" <no-reply@example.test>';
const WAIT = 5000;

const newToken = (): string => randomBytes(32).toString('base64url');

/** A log line must never carry a token, a link or the recipient's full address. */
function assertNoSecrets(log: CapturedLog, secrets: string[]): void {
  for (const line of log.lines) {
    for (const secret of secrets) {
      assert.ok(!line.includes(secret), `a log line carries a secret: ${line}`);
    }
  }
}

/** Polls `condition` until it holds; fails after `timeoutMs`. */
async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function linkIn(text: string): URL {
  const match = /https?:\/\/\S+/.exec(text);
  assert.ok(match, 'the mail has a link');
  return new URL(match[0]);
}

describe('Mailer over SMTP', () => {
  let smtp: SmtpSink;
  let log: CapturedLog;
  let events: MailEvent[];
  const mailers: Mailer[] = [];

  beforeEach(async () => {
    smtp = await startSmtpServer();
    log = captureLogs();
    events = [];
  });

  afterEach(async () => {
    for (const m of mailers.splice(0)) await m.close(1000);
    await smtp.close();
  });

  async function mailer(overrides: Partial<MailerOptions> = {}): Promise<Mailer> {
    const m = await createMailer({
      smtpUrl: smtp.url,
      from: FROM,
      publicUrl: PUBLIC_URL,
      logger: log.logger,
      onEvent: (e) => events.push(e),
      queue: { backoffBaseMs: 20, backoffMaxMs: 100, sendTimeoutMs: 5000, maxAttempts: 4 },
      smtp: { connectionTimeoutMs: 2000, greetingTimeoutMs: 2000, socketTimeoutMs: 5000 },
      ...overrides,
    });
    mailers.push(m);
    return m;
  }

  it('delivers a password reset mail with its link in both bodies', async () => {
    const m = await mailer();
    assert.equal(m.transport, 'smtp');
    const token = newToken();
    assert.equal(m.sendPasswordReset({ to: 'ada@example.org', token, expiresInSeconds: 1800 }), true);
    const mail = await smtp.waitForMessage((x) => x.to.includes('ada@example.org'), WAIT);

    assert.equal(mail.subject, 'Reset your tollgate password');
    assert.equal(mail.from, 'no-reply@example.test');
    assert.deepEqual(mail.envelopeTo, ['ada@example.org']);
    const link = linkIn(mail.text);
    assert.equal(link.origin + link.pathname, `${PUBLIC_URL}/reset-password`);
    assert.equal(link.searchParams.get('token'), token);
    assert.match(mail.text, /within 30 minutes/);
    assert.ok(mail.html.includes(`href="${link.href}"`), 'the HTML body links to the same URL');
    assert.match(mail.messageId, /^<[0-9a-f-]{36}@auth\.example\.test>$/);
    assert.equal(mail.headers.get('auto-submitted'), 'auto-generated');

    assert.equal(await m.idle(WAIT), true);
    assert.deepEqual(events, [{ type: 'sent', kind: 'password_reset', attempts: 1 }]);
    assert.equal(m.stats().sent, 1);
    const sent = log.entries().find((e) => e.msg === 'mail sent');
    assert.deepEqual((sent?.mail as Record<string, unknown>).domain, 'example.org');
    assertNoSecrets(log, [token, 'ada@']);
  });

  it('delivers an email verification mail, with values escaped in the HTML body only', async () => {
    const m = await mailer({ productName: 'A & B <Accounts>' });
    const token = newToken();
    m.sendEmailVerification({ to: "o'brien@example.org", token, expiresInSeconds: 86_400 });
    const mail = await smtp.waitForMessage(() => true, WAIT);

    assert.equal(mail.subject, 'Confirm your email address for A & B <Accounts>');
    assert.equal(linkIn(mail.text).pathname, '/accounts/verify-email');
    assert.equal(linkIn(mail.text).searchParams.get('token'), token);
    assert.match(mail.text, /within 1 day:/);
    assert.match(mail.text, /A & B <Accounts> account/);
    assert.match(mail.html, /A &amp; B &lt;Accounts&gt; account/);
    assert.ok(!mail.html.includes('<Accounts>'), 'no raw markup from a value in the HTML body');
    assert.match(mail.html, /o&#39;brien@example\.org/);
  });

  it('authenticates with the user and password of SMTP_URL', async () => {
    await smtp.close();
    smtp = await startSmtpServer({ auth: { user: 'mailer', pass: 'p@ss word' } });
    assert.match(smtp.url, /^smtp:\/\/mailer:p%40ss%20word@127\.0\.0\.1:\d+$/);
    const m = await mailer();
    await m.verify(WAIT);
    m.sendPasswordReset({ to: 'ada@example.org', token: newToken(), expiresInSeconds: 1800 });
    const mail = await smtp.waitForMessage(() => true, WAIT);
    assert.equal(mail.user, 'mailer');
    assertNoSecrets(log, ['p@ss word', 'p%40ss']);
  });

  it('gives up at once on a rejected login (5xx), counted as failed', async () => {
    await smtp.close();
    smtp = await startSmtpServer({ auth: { user: 'mailer', pass: 'right' } });
    const m = await mailer({ smtpUrl: smtp.url.replace(':right@', ':wrong@') });
    m.sendPasswordReset({ to: 'ada@example.org', token: newToken(), expiresInSeconds: 1800 });
    assert.equal(await m.idle(WAIT), true);
    assert.equal(smtp.authFailures, 1);
    assert.equal(smtp.messages.length, 0);
    assert.deepEqual(events, [{ type: 'failed', kind: 'password_reset', attempts: 1, reason: 'smtp_535' }]);
    assertNoSecrets(log, ['wrong']);
  });

  it('retries transient failures (4xx) and delivers once', async () => {
    smtp.failNext(2, { kind: 'reply', code: 451, at: 'data' });
    const m = await mailer();
    const token = newToken();
    m.sendPasswordReset({ to: 'ada@example.org', token, expiresInSeconds: 1800 });
    await smtp.waitForMessage(() => true, WAIT);
    assert.equal(await m.idle(WAIT), true);

    assert.equal(smtp.transactions, 3);
    assert.equal(smtp.messages.length, 1);
    assert.deepEqual(
      events.map((e) => e.type),
      ['retried', 'retried', 'sent'],
    );
    assert.deepEqual(events[0], {
      type: 'retried',
      kind: 'password_reset',
      attempt: 1,
      delayMs: (events[0] as { delayMs: number }).delayMs,
      reason: 'smtp_451',
    });
    const delays = events.flatMap((e) => (e.type === 'retried' ? [e.delayMs] : []));
    assert.ok(delays[0]! >= 10 && delays[0]! <= 20, `first backoff within [base/2, base]: ${delays[0]}`);
    assert.ok(delays[1]! >= 20 && delays[1]! <= 40, `second backoff within [base, 2 base]: ${delays[1]}`);
    assert.deepEqual(
      { ...m.stats() },
      { waiting: 0, sending: 0, retrying: 0, sent: 1, retried: 2, failed: 0, dropped: 0 },
    );
    const retryLog = log.entries().find((e) => e.msg === 'mail attempt failed; retrying');
    assert.equal(retryLog?.reason, 'smtp_451');
    assertNoSecrets(log, [token, 'ada@']);
  });

  it('gives up after the last attempt and counts the message as failed', async () => {
    smtp.failNext(10, { kind: 'reply', code: 421, at: 'rcpt' });
    const m = await mailer({ queue: { backoffBaseMs: 10, maxAttempts: 3 } });
    const token = newToken();
    m.sendEmailVerification({ to: 'ada@example.org', token, expiresInSeconds: 3600 });
    assert.equal(await m.idle(WAIT), true);

    assert.equal(smtp.transactions, 3);
    assert.equal(smtp.messages.length, 0);
    assert.deepEqual(
      events.map((e) => e.type),
      ['retried', 'retried', 'failed'],
    );
    assert.deepEqual(events[2], {
      type: 'failed',
      kind: 'email_verification',
      attempts: 3,
      reason: 'smtp_421',
    });
    assert.equal(m.stats().failed, 1);
    const gaveUp = log.entries().find((e) => e.msg === 'mail not delivered; giving up');
    assert.equal(gaveUp?.level, 50);
    assertNoSecrets(log, [token, 'ada@']);
  });

  it('does not retry a permanent rejection (5xx)', async () => {
    smtp.failNext(1, { kind: 'reply', code: 550, at: 'rcpt' });
    const m = await mailer();
    m.sendPasswordReset({ to: 'nobody@example.org', token: newToken(), expiresInSeconds: 1800 });
    assert.equal(await m.idle(WAIT), true);
    assert.equal(smtp.transactions, 1);
    assert.deepEqual(events, [{ type: 'failed', kind: 'password_reset', attempts: 1, reason: 'smtp_550' }]);
  });

  it('retries when the connection drops before the message is sent', async () => {
    smtp.failNext(1, { kind: 'drop-before-data' });
    const m = await mailer();
    m.sendPasswordReset({ to: 'ada@example.org', token: newToken(), expiresInSeconds: 1800 });
    await smtp.waitForMessage(() => true, WAIT);
    assert.equal(await m.idle(WAIT), true);
    assert.equal(smtp.messages.length, 1);
    assert.deepEqual(
      events.map((e) => e.type),
      ['retried', 'sent'],
    );
  });

  it('sends again when the answer is lost: at least once, same Message-ID on both copies', async () => {
    smtp.failNext(1, { kind: 'drop-after-store' });
    const m = await mailer();
    const token = newToken();
    m.sendPasswordReset({ to: 'ada@example.org', token, expiresInSeconds: 1800 });
    assert.equal(await m.idle(WAIT), true);
    assert.equal(smtp.messages.length, 2);
    const [first, second] = smtp.messages;
    assert.equal(first!.messageId, second!.messageId);
    assert.equal(first!.text, second!.text);
    assert.equal(linkIn(second!.text).searchParams.get('token'), token);
    assert.equal(m.stats().sent, 1);
  });

  it('bounds each attempt: a server that never answers is abandoned and the message retried', async () => {
    smtp.failNext(1, { kind: 'stall' });
    const m = await mailer({ queue: { sendTimeoutMs: 300, backoffBaseMs: 10 } });
    m.sendPasswordReset({ to: 'ada@example.org', token: newToken(), expiresInSeconds: 1800 });
    assert.equal(await m.idle(WAIT), true);
    assert.equal(events[0]?.type, 'retried');
    assert.equal((events[0] as { reason: string }).reason, 'timeout');
    assert.equal(events[1]?.type, 'sent');
  });

  it('drops (counted and logged) what does not fit in the queue, without blocking the caller', async () => {
    smtp.failNext(1, { kind: 'stall' });
    const m = await mailer({ queue: { maxQueue: 2, concurrency: 1, sendTimeoutMs: 300, backoffBaseMs: 10 } });
    const results = Array.from({ length: 5 }, (_, i) =>
      m.sendPasswordReset({ to: `user${i}@example.org`, token: newToken(), expiresInSeconds: 1800 }),
    );
    assert.deepEqual(results, [true, true, false, false, false]);
    assert.equal(m.stats().dropped, 3);
    assert.deepEqual(
      events.filter((e) => e.type === 'dropped'),
      Array.from({ length: 3 }, () => ({ type: 'dropped', kind: 'password_reset', reason: 'queue_full' })),
    );
    const dropped = log.entries().filter((e) => e.msg === 'mail dropped');
    assert.equal(dropped.length, 3);
    assert.equal(dropped[0]?.reason, 'queue_full');
    assert.equal((dropped[0]?.mail as Record<string, unknown>).domain, 'example.org');
    assert.equal(await m.idle(WAIT), true);
    assert.deepEqual(smtp.messages.map((x) => x.to[0]).sort(), ['user0@example.org', 'user1@example.org']);
  });

  it('close() delivers what it holds, retries waiting for their backoff included', async () => {
    smtp.failNext(1, { kind: 'reply', code: 451, at: 'data' });
    const m = await mailer({ queue: { backoffBaseMs: 60_000, backoffMaxMs: 60_000 } });
    for (let i = 0; i < 3; i++) {
      m.sendPasswordReset({ to: `user${i}@example.org`, token: newToken(), expiresInSeconds: 1800 });
    }
    await withTimeout(m.close(WAIT), WAIT * 2, () => new Error('close() exceeded its bound'));
    assert.equal(smtp.messages.length, 3);
    assert.deepEqual(
      { ...m.stats() },
      { waiting: 0, sending: 0, retrying: 0, sent: 3, retried: 1, failed: 0, dropped: 0 },
    );
    assert.equal(
      m.sendPasswordReset({ to: 'late@example.org', token: newToken(), expiresInSeconds: 1 }),
      false,
    );
    assert.deepEqual(events.at(-1), { type: 'dropped', kind: 'password_reset', reason: 'closed' });
  });

  it('close() gives up at its bound and counts the unsent as dropped', async () => {
    smtp.failNext(10, { kind: 'stall' });
    const m = await mailer({ queue: { concurrency: 1, sendTimeoutMs: 60_000 } });
    m.sendPasswordReset({ to: 'a@example.org', token: newToken(), expiresInSeconds: 1800 });
    m.sendPasswordReset({ to: 'b@example.org', token: newToken(), expiresInSeconds: 1800 });
    await until(() => smtp.transactions === 1, WAIT); // the first one is stalled in DATA
    await withTimeout(m.close(300), 5000, () => new Error('close() exceeded its bound'));
    assert.deepEqual(
      { ...m.stats() },
      { waiting: 0, sending: 0, retrying: 0, sent: 0, retried: 0, failed: 0, dropped: 2 },
    );
    assert.deepEqual(
      events.map((e) => (e.type === 'dropped' ? e.reason : e.type)),
      ['shutdown', 'shutdown'],
    );
  });

  it('verify() rejects when nothing listens', async () => {
    const port = await freePort();
    const m = await mailer({ smtpUrl: `smtp://127.0.0.1:${port}` });
    await assert.rejects(m.verify(WAIT), /ECONNREFUSED/);
  });
});
