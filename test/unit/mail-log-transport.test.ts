/** Development mail: with no SMTP_URL the message goes to the log, with its link, at info level. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMailer } from '../../src/accounts/mail/index.js';
import { captureLogs } from '../helpers/log-capture.js';

describe('development mailer (log)', () => {
  it('writes the message and its link to the log at info level', async () => {
    const log = captureLogs();
    const mailer = await createMailer({
      from: 'Dev <dev@localhost>',
      publicUrl: 'http://localhost:3000/',
      logger: log.logger,
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
    });
    mailer.sendEmailVerification({ to: 'newcomer@example.org', token: 'abc', expiresInSeconds: 86_400 });
    assert.equal(await mailer.idle(1000), true);
    const links = log.entries().flatMap((e) => (e.mail as { links?: string[] } | undefined)?.links ?? []);
    assert.deepEqual(links, ['http://localhost:3000/account/verify?token=abc']);
    await mailer.close(1000);
  });
});
