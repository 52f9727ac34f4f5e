import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  describeDuration,
  escapeHtml,
  loadMailTemplates,
  renderMail,
  templateFileName,
  type MailTemplates,
} from '../../src/mail/index.js';
import { ConfigError } from '../../src/errors.js';

const VALUES = {
  link: 'https://auth.example.test/reset-password?token=abc&x=1',
  email: 'ada@example.org',
  expires_in: '30 minutes',
  product_name: 'Example',
  change: '',
};

const dirs: string[] = [];
function templateDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-mail-templates-'));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function configError(pattern: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof ConfigError, `a ConfigError, got ${String(err)}`);
    assert.equal(err.variable, 'MAIL_TEMPLATES_DIR');
    assert.match(err.message, pattern);
    return true;
  };
}

describe('mail templates', () => {
  it('names the files a team can replace', () => {
    assert.equal(templateFileName('password_reset', 'subject'), 'password-reset.subject.txt');
    assert.equal(templateFileName('password_reset', 'text'), 'password-reset.txt');
    assert.equal(templateFileName('email_verification', 'html'), 'email-verification.html');
  });

  it('renders the built-in templates: link in both bodies, values escaped in HTML only', async () => {
    const templates = await loadMailTemplates();
    const mail = renderMail(templates, 'password_reset', { ...VALUES, product_name: 'A&B <x>' });
    assert.equal(mail.subject, 'Reset your A&B <x> password');
    assert.ok(mail.text.includes(VALUES.link));
    assert.ok(mail.text.includes('A&B <x>'));
    assert.ok(mail.html.includes('href="https://auth.example.test/reset-password?token=abc&amp;x=1"'));
    assert.ok(mail.html.includes('A&amp;B &lt;x&gt;'));
    assert.ok(!mail.html.includes('<x>'));
    assert.ok(!/\{\{|\}\}/.test(mail.text + mail.html + mail.subject), 'every placeholder filled');
  });

  it('names the files of the email-change link and of the security notice, and renders the notice', async () => {
    assert.equal(templateFileName('email_change', 'text'), 'email-change.txt');
    assert.equal(templateFileName('account_notice', 'subject'), 'account-notice.subject.txt');
    const templates = await loadMailTemplates();
    const change = 'A passkey named "<Work>" was added to your account on 2026-12-07 12:00:00 UTC.';
    const notice = renderMail(templates, 'account_notice', {
      ...VALUES,
      link: 'https://auth.example.test/',
      expires_in: '',
      change,
    });
    assert.equal(notice.subject, 'Security notice for your Example account');
    assert.ok(notice.text.startsWith(change), notice.text);
    assert.match(
      notice.text,
      /reset your password now from the sign-in page at https:\/\/auth\.example\.test\//,
    );
    assert.ok(notice.html.includes('&quot;&lt;Work&gt;&quot;'), 'the change is escaped in HTML');
    const moved = renderMail(templates, 'email_change', VALUES);
    assert.ok(moved.text.includes(VALUES.link));
    assert.match(moved.subject, /Confirm the new email address/);
  });

  it('keeps the subject on one line whatever a template or value holds', async () => {
    const dir = templateDir({ 'password-reset.subject.txt': 'Reset\r\n{{product_name}}\n' });
    const templates = await loadMailTemplates(dir);
    const mail = renderMail(templates, 'password_reset', { ...VALUES, product_name: 'Evil\r\nBcc: x@y' });
    assert.equal(mail.subject, 'Reset Evil Bcc: x@y');
  });

  it('takes replaced files from the directory and the built-in ones for the rest', async () => {
    const dir = templateDir({
      'password-reset.txt': 'Hi {{ email }}, go to {{link}} ({{expires_in}}).',
      'README.md': 'not a template: ignored',
    });
    const templates: MailTemplates = await loadMailTemplates(dir);
    const mail = renderMail(templates, 'password_reset', VALUES);
    assert.equal(mail.text, `Hi ada@example.org, go to ${VALUES.link} (30 minutes).`);
    assert.equal(mail.subject, 'Reset your Example password');
    assert.match(mail.html, /<a href=/);
  });

  it('stops start-up on an unknown placeholder, naming the file', async () => {
    const dir = templateDir({ 'email-verification.html': '<a href="{{link}}">{{name}}</a>' });
    await assert.rejects(
      loadMailTemplates(dir),
      configError(/email-verification\.html: unknown placeholder \{\{name\}\}/),
    );
  });

  it('stops start-up on a body without its link', async () => {
    const dir = templateDir({ 'password-reset.txt': 'Hello {{email}}' });
    await assert.rejects(
      loadMailTemplates(dir),
      configError(/password-reset\.txt: the \{\{link\}\} placeholder is missing/),
    );
  });

  it('stops start-up on a malformed placeholder', async () => {
    const dir = templateDir({ 'password-reset.txt': 'Go to {{link}} or {{ email }' });
    await assert.rejects(loadMailTemplates(dir), configError(/malformed placeholder/));
  });

  it('stops start-up on an empty subject', async () => {
    const dir = templateDir({ 'password-reset.subject.txt': '  \n' });
    await assert.rejects(loadMailTemplates(dir), configError(/subject is empty/));
  });

  it('stops start-up on a template file with an unknown name (a typo would otherwise be ignored)', async () => {
    const dir = templateDir({ 'password_reset.txt': 'Go to {{link}}' });
    await assert.rejects(loadMailTemplates(dir), configError(/password_reset\.txt: not a template name/));
  });

  it('stops start-up on a missing directory', async () => {
    await assert.rejects(
      loadMailTemplates(join(tmpdir(), 'tollgate-no-such-dir-7d1f')),
      configError(/cannot read the directory .* \(ENOENT\)/),
    );
  });

  it('escapes the five HTML-significant characters', () => {
    assert.equal(
      escapeHtml(`<a href="x" title='y'>&</a>`),
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });

  it('describes link lifetimes in words', () => {
    assert.equal(describeDuration(1800), '30 minutes');
    assert.equal(describeDuration(60), '1 minute');
    assert.equal(describeDuration(3600), '1 hour');
    assert.equal(describeDuration(7200), '2 hours');
    assert.equal(describeDuration(86_400), '1 day');
    assert.equal(describeDuration(45), '45 seconds');
    assert.equal(describeDuration(5400), '90 minutes');
  });
});
