/**
 * Mail without SMTP_URL goes to the log: in development with its link, at info level;
 * anywhere else without the link, the text or the full address (a link is a live token).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMailer } from '../../src/mail/index.js';
import { composeTestApp } from '../helpers/app.js';
import { call } from '../helpers/http.js';
import { captureLogs } from '../helpers/log-capture.js';

describe('development mailer (log)', () => {
  it('writes the message and its link to the log at info level', async () => {
    const log = captureLogs();
    const mailer = await createMailer({
      from: 'Dev <dev@localhost>',
      publicUrl: 'http://localhost:3000/',
      logger: log.logger,
      revealLinks: true,
    });
    assert.equal(mailer.transport, 'log');
    const token = 'dGVzdC10b2tlbi1mb3ItdGhlLWxvZy1tYWlsZXI';
    assert.equal(
      mailer.sendPasswordReset({ to: 'newcomer@example.org', token, expiresInSeconds: 1800 }),
      true,
    );
    assert.equal(await mailer.idle(1000), true);

    const entries = log.entries();
    const mailLine = entries.find((e) => typeof e.mail === 'object' && (e.mail as { links?: unknown }).links);
    assert.ok(mailLine, 'a log line with the mail');
    assert.equal(mailLine.level, 30);
    const link = `http://localhost:3000/reset-password?token=${token}`;
    assert.deepEqual(mailLine.mail, {
      kind: 'password_reset',
      to: 'newcomer@example.org',
      subject: 'Reset your tollgate password',
      links: [link],
      text: (mailLine.mail as { text: string }).text,
    });
    assert.ok((mailLine.mail as { text: string }).text.includes(link));
    assert.match(String(mailLine.msg), new RegExp(`link: ${link.replace(/[?.]/g, '\\$&')}$`));
    assert.equal(mailer.stats().sent, 1);
    // One story: the mail's own line says it went to the log, and nothing says it was sent.
    assert.match(String(mailLine.msg), /^mail written to this log instead of sent \(no SMTP_URL\)/);
    const mailLines = entries.filter((e) => /\bmail\b/.test(String(e.msg)) && e.msg !== mailLine.msg);
    assert.deepEqual(
      mailLines.map((e) => e.msg),
      [],
      'no other line about this mail',
    );
    await mailer.close(1000);
  });

  it('writes a verification mail the same way, on the configured path', async () => {
    const log = captureLogs();
    const mailer = await createMailer({
      from: 'dev@localhost',
      publicUrl: 'http://localhost:3000',
      linkPaths: { emailVerification: '/account/verify' },
      logger: log.logger,
      revealLinks: true,
    });
    mailer.sendEmailVerification({ to: 'newcomer@example.org', token: 'abc', expiresInSeconds: 86_400 });
    assert.equal(await mailer.idle(1000), true);
    const links = log.entries().flatMap((e) => (e.mail as { links?: string[] } | undefined)?.links ?? []);
    assert.deepEqual(links, ['http://localhost:3000/account/verify?token=abc']);
    await mailer.close(1000);
  });

  it('logs neither the link nor the address unless asked to (the default)', async () => {
    const log = captureLogs('trace');
    const mailer = await createMailer({
      from: 'dev@localhost',
      publicUrl: 'https://auth.example.test',
      logger: log.logger,
    });
    const token = 'c3RhZ2luZy10b2tlbi1tdXN0LW5vdC1iZS1sb2dnZWQ';
    mailer.sendPasswordReset({ to: 'newcomer@example.org', token, expiresInSeconds: 1800 });
    assert.equal(await mailer.idle(1000), true);
    const all = log.lines.join('\n');
    assert.ok(!all.includes(token), 'no token in the log');
    assert.ok(!all.includes('newcomer@'), 'no full address in the log');
    const line = log.entries().find((e) => typeof e.mail === 'object');
    assert.deepEqual(line?.mail, { kind: 'password_reset', to: 'n***@example.org' });
    await mailer.close(1000);
  });
});

describe('a server without SMTP_URL, by DEPLOYMENT_ENV', () => {
  /** Registers, asks for a reset and a verification link, and returns everything logged. */
  async function resetLog(env: Record<string, string>): Promise<string> {
    const log = captureLogs('trace');
    const app = await composeTestApp(
      { STORE: 'memory', PUBLIC_URL: 'https://auth.example.test', ...env },
      { logger: log.logger },
    );
    try {
      const email = 'staging-reader@example.org';
      const password = 'a long staging password';
      assert.equal(
        (await call(app.target, 'POST', '/auth/register', { body: { email, password } })).status,
        201,
      );
      const reset = await call(app.target, 'POST', '/auth/password-reset/request', { body: { email } });
      assert.equal(reset.status, 202);
      const login = await call(app.target, 'POST', '/auth/login', { body: { email, password } });
      const verify = await call(app.target, 'POST', '/auth/email-verification/request', {
        token: String(login.body.access_token),
      });
      assert.equal(verify.status, 202);
      // Closing sends what is queued (the reset mail is sent in the background).
      await app.composition.close();
      return log.lines.join('\n');
    } finally {
      await app.close();
    }
  }

  it('staging logs no link, token or address; development does (so the check can see one)', async () => {
    const staging = await resetLog({ DEPLOYMENT_ENV: 'staging', WORKERS: '1' });
    assert.ok(!/[?&]token=/.test(staging), 'no link with a token in the staging log');
    assert.ok(!staging.includes('staging-reader@'), 'no full address in the staging log');
    assert.match(staging, /mail not sent \(no SMTP_URL configured\): password_reset to s\*\*\*@example\.org/);
    const development = await resetLog({ DEPLOYMENT_ENV: 'development' });
    assert.match(development, /reset-password\?token=[A-Za-z0-9_-]{20,}/);
  });
});
