/** SMTP_URL, PUBLIC_URL and MAIL_FROM checks, link building and error classification. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkMailTemplates, classifySendError, createMailer, parseSmtpUrl } from '../../src/mail/index.js';
import { loadConfig } from '../../src/config/load.js';
import { buildTokenLink, normalisePublicUrl } from '../../src/mail/links.js';
import { ConfigError } from '../../src/errors.js';
import { captureLogs } from '../helpers/log-capture.js';

function configError(variable: string, secret?: string) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof ConfigError, `a ConfigError, got ${String(err)}`);
    assert.equal(err.variable, variable);
    if (secret) assert.ok(!err.message.includes(secret), 'the message does not echo the secret');
    return true;
  };
}

describe('parseSmtpUrl', () => {
  it('reads smtp:// with STARTTLS-when-offered and the submission port by default', () => {
    assert.deepEqual(parseSmtpUrl('smtp://mail.example.com'), {
      host: 'mail.example.com',
      port: 587,
      secure: false,
      requireTLS: false,
      auth: undefined,
    });
  });

  it('reads smtps:// with implicit TLS on 465, and percent-decoded credentials', () => {
    assert.deepEqual(parseSmtpUrl('smtps://user%40example.com:p%3Ass%2Fw@mail.example.com'), {
      host: 'mail.example.com',
      port: 465,
      secure: true,
      requireTLS: false,
      auth: { user: 'user@example.com', pass: 'p:ss/w' },
    });
  });

  it('reads a port, an IPv6 host and requireTLS', () => {
    const e = parseSmtpUrl('smtp://[::1]:2525/?requireTLS=true');
    assert.equal(e.host, '::1');
    assert.equal(e.port, 2525);
    assert.equal(e.requireTLS, true);
  });

  it('refuses other schemes, paths, unknown parameters and bad URLs without echoing the password', () => {
    for (const bad of [
      'http://u:hunter2@mail.example.com',
      'smtp://u:hunter2@mail.example.com/inbox',
      'smtp://u:hunter2@mail.example.com?pool=true',
      'smtps://u:hunter2@mail.example.com?requireTLS=true',
      'smtp://u:hunter2@mail.example.com?requireTLS=yes',
      'mail.example.com:hunter2',
      'smtp://u:%E0%A4%A@mail.example.com',
    ]) {
      assert.throws(() => parseSmtpUrl(bad), configError('SMTP_URL', 'hunter2'), bad);
    }
  });
});

describe('mail configuration, checked before start-up', () => {
  it('checks the whole SMTP_URL and the templates directory with the other variables, in one error', () => {
    assert.throws(
      () =>
        loadConfig(
          { PORT: 'abc', SMTP_URL: 'smtp://u:hunter2secret@x?foo=1', MAIL_TEMPLATES_DIR: '/nonexistent' },
          { skipEnvFiles: true, checks: [(c) => checkMailTemplates(c.accounts.mail.templatesDir)] },
        ),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.deepEqual(
          err.issues.map((i) => `${i.variable}: ${i.message}`),
          [
            'PORT: must be a whole number, got "abc"',
            'SMTP_URL: unsupported query parameter "foo" (only requireTLS=true|false, with smtp://)',
            'MAIL_TEMPLATES_DIR: cannot read the directory /nonexistent (ENOENT)',
          ],
        );
        assert.ok(!err.message.includes('hunter2secret'), err.message);
        return true;
      },
    );
    // A usable directory (the templates' own checks) and no directory pass the check.
    assert.deepEqual(checkMailTemplates(undefined), []);
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-templates-'));
    try {
      writeFileSync(join(dir, 'password-reset.txt'), 'Open {{link}} within {{expires_in}}.\n');
      assert.deepEqual(checkMailTemplates(dir), []);
      writeFileSync(join(dir, 'password-reset.subject.txt'), 'Hi {{name}}');
      assert.deepEqual(
        checkMailTemplates(dir).map((i) => i.variable),
        ['MAIL_TEMPLATES_DIR'],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('links', () => {
  it('keeps a path prefix of PUBLIC_URL and drops its trailing slash', () => {
    assert.equal(normalisePublicUrl('https://example.com/auth/'), 'https://example.com/auth');
    assert.equal(normalisePublicUrl('http://localhost:3000'), 'http://localhost:3000');
    assert.equal(
      buildTokenLink('https://example.com/auth', '/reset-password', 'a+b/c='),
      'https://example.com/auth/reset-password?token=a%2Bb%2Fc%3D',
    );
  });

  it('refuses a PUBLIC_URL that is not a plain http(s) base', () => {
    for (const bad of [
      'example.com',
      'ftp://example.com',
      'https://example.com/?a=1',
      'https://u:p@example.com',
    ]) {
      assert.throws(() => normalisePublicUrl(bad), configError('PUBLIC_URL'), bad);
    }
  });
});

describe('classifySendError', () => {
  it('treats 5xx and refused envelopes as permanent, everything else as transient', () => {
    assert.deepEqual(classifySendError({ responseCode: 550 }), { permanent: true, reason: 'smtp_550' });
    assert.deepEqual(classifySendError({ responseCode: 535, code: 'EAUTH' }), {
      permanent: true,
      reason: 'smtp_535',
    });
    assert.deepEqual(classifySendError({ responseCode: 451 }), { permanent: false, reason: 'smtp_451' });
    assert.deepEqual(classifySendError({ code: 'EENVELOPE' }), { permanent: true, reason: 'eenvelope' });
    assert.deepEqual(classifySendError({ code: 'ECONNECTION' }), { permanent: false, reason: 'econnection' });
    assert.deepEqual(classifySendError({ code: 'ETIMEDOUT' }), { permanent: false, reason: 'etimedout' });
    assert.deepEqual(classifySendError(new Error('x')), { permanent: false, reason: 'error' });
    assert.deepEqual(classifySendError(undefined), { permanent: false, reason: 'error' });
  });
});

describe('createMailer options', () => {
  const base = {
    from: 'no-reply@example.com',
    publicUrl: 'https://example.com',
    logger: captureLogs().logger,
  };

  it('falls back to the log without SMTP_URL, and refuses to when SMTP is required', async () => {
    const m = await createMailer(base);
    assert.equal(m.transport, 'log');
    await m.close(100);
    await assert.rejects(createMailer({ ...base, requireSmtp: true }), configError('SMTP_URL'));
  });

  it('checks MAIL_FROM and PUBLIC_URL at start-up', async () => {
    for (const from of ['', 'no-reply', 'a@b.c, d@e.f', 'Name <a@b.c> x', 'a@b.c\r\nBcc: x@y.z']) {
      await assert.rejects(createMailer({ ...base, from }), configError('MAIL_FROM'), from);
    }
    for (const from of ['a@b.c', 'Example <a@b.c>', '"Example, Inc." <a@b.c>']) {
      const m = await createMailer({ ...base, from });
      await m.close(100);
    }
    await assert.rejects(createMailer({ ...base, publicUrl: 'example.com' }), configError('PUBLIC_URL'));
  });
});
