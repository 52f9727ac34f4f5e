/**
 * Mail templates: a subject, a plain-text body and an HTML body per kind, with
 * `{{placeholder}}` values. The built-in set lives below; a team replaces any of its
 * files by putting a file of the same name in a templates directory (see
 * docs/mail-and-mfa.md). Every template is checked when it is loaded: an unknown or
 * malformed placeholder, or a body without its `{{link}}`, stops start-up instead of
 * producing a broken mail later. Values are HTML-escaped in the HTML body.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, type ConfigIssue } from '../errors.js';
import { MAIL_KINDS, type MailKind } from './message.js';

export const TEMPLATES_VARIABLE = 'MAIL_TEMPLATES_DIR';

/**
 * The values a template may use. `change` is what happened to the account (notices
 * only; empty in the mails that carry a link to click).
 */
export const PLACEHOLDERS = ['link', 'email', 'expires_in', 'product_name', 'change'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
export type TemplateValues = Readonly<Record<Placeholder, string>>;

type Part = 'subject' | 'text' | 'html';
const PARTS: readonly Part[] = ['subject', 'text', 'html'];

/** File name of one part of one kind, e.g. `password-reset.html`. */
export function templateFileName(kind: MailKind, part: Part): string {
  const base = kind.replaceAll('_', '-');
  return part === 'subject' ? `${base}.subject.txt` : part === 'text' ? `${base}.txt` : `${base}.html`;
}

const BUILT_IN: Readonly<Record<MailKind, Readonly<Record<Part, string>>>> = {
  password_reset: {
    subject: 'Reset your {{product_name}} password',
    text: `Someone asked to reset the password of the {{product_name}} account {{email}}.

To choose a new password, open this link within {{expires_in}}:

{{link}}

The link works once. If you did not ask for this, ignore this message: your password stays as it is.
`,
    html: `<!doctype html>
<html>
<body style="font-family: sans-serif; line-height: 1.5;">
<p>Someone asked to reset the password of the {{product_name}} account <strong>{{email}}</strong>.</p>
<p>To choose a new password, open this link within {{expires_in}}:</p>
<p><a href="{{link}}">Reset my password</a></p>
<p style="word-break: break-all; color: #555;">{{link}}</p>
<p>The link works once. If you did not ask for this, ignore this message: your password stays as it is.</p>
</body>
</html>
`,
  },
  email_verification: {
    subject: 'Confirm your email address for {{product_name}}',
    text: `Please confirm that {{email}} is the email address of your {{product_name}} account.

Open this link within {{expires_in}}:

{{link}}

If you did not create this account, ignore this message.
`,
    html: `<!doctype html>
<html>
<body style="font-family: sans-serif; line-height: 1.5;">
<p>Please confirm that <strong>{{email}}</strong> is the email address of your {{product_name}} account.</p>
<p>Open this link within {{expires_in}}:</p>
<p><a href="{{link}}">Confirm my email address</a></p>
<p style="word-break: break-all; color: #555;">{{link}}</p>
<p>If you did not create this account, ignore this message.</p>
</body>
</html>
`,
  },
  email_change: {
    subject: 'Confirm the new email address of your {{product_name}} account',
    text: `Someone asked to make {{email}} the email address of a {{product_name}} account.

To confirm the change, open this link within {{expires_in}}:

{{link}}

Until then the account keeps its current address. If you did not ask for this, ignore this message.
`,
    html: `<!doctype html>
<html>
<body style="font-family: sans-serif; line-height: 1.5;">
<p>Someone asked to make <strong>{{email}}</strong> the email address of a {{product_name}} account.</p>
<p>To confirm the change, open this link within {{expires_in}}:</p>
<p><a href="{{link}}">Confirm my new email address</a></p>
<p style="word-break: break-all; color: #555;">{{link}}</p>
<p>Until then the account keeps its current address. If you did not ask for this, ignore this message.</p>
</body>
</html>
`,
  },
  account_notice: {
    subject: 'Security notice for your {{product_name}} account',
    text: `{{change}}

This concerns the {{product_name}} account {{email}}.

If this was you, there is nothing to do. If it was not, reset your password now from the sign-in page at {{link}}: a reset ends every session and, unless you choose otherwise, removes every passkey and authenticator app from the account.
`,
    html: `<!doctype html>
<html>
<body style="font-family: sans-serif; line-height: 1.5;">
<p>{{change}}</p>
<p>This concerns the {{product_name}} account <strong>{{email}}</strong>.</p>
<p>If this was you, there is nothing to do. If it was not, reset your password now from the sign-in page at <a href="{{link}}">{{link}}</a>: a reset ends every session and, unless you choose otherwise, removes every passkey and authenticator app from the account.</p>
</body>
</html>
`,
  },
};

/** A checked template set. */
export type MailTemplates = Readonly<Record<MailKind, Readonly<Record<Part, string>>>>;

const PLACEHOLDER_RE = /\{\{\s*([A-Za-z0-9_]*)\s*\}\}/g;

/** Throws a ConfigError naming `source` when `template` is not usable as `part`. */
export function checkTemplate(template: string, part: Part, source: string): void {
  const found = new Set<string>();
  for (const match of template.matchAll(PLACEHOLDER_RE)) {
    const name = match[1] ?? '';
    if (!(PLACEHOLDERS as readonly string[]).includes(name)) {
      throw new ConfigError(
        TEMPLATES_VARIABLE,
        `${source}: unknown placeholder {{${name}}} (known: ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')})`,
      );
    }
    found.add(name);
  }
  const rest = template.replace(PLACEHOLDER_RE, '');
  if (rest.includes('{{') || rest.includes('}}')) {
    throw new ConfigError(TEMPLATES_VARIABLE, `${source}: malformed placeholder (write {{name}})`);
  }
  if (part !== 'subject' && !found.has('link')) {
    throw new ConfigError(TEMPLATES_VARIABLE, `${source}: the {{link}} placeholder is missing`);
  }
  if (part === 'subject' && template.trim() === '') {
    throw new ConfigError(TEMPLATES_VARIABLE, `${source}: the subject is empty`);
  }
}

/**
 * The built-in templates, with the files of `dir` (when given) in place of the built-in
 * ones of the same name. Any problem (missing directory, unknown file name, bad
 * placeholder) is a ConfigError naming MAIL_TEMPLATES_DIR. Synchronous: it runs once,
 * at start-up, and `checkMailTemplates` runs it with the configuration checks.
 */
export function readMailTemplates(dir?: string): MailTemplates {
  const overrides = new Map<string, string>();
  if (dir !== undefined) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      throw new ConfigError(TEMPLATES_VARIABLE, `cannot read the directory ${dir} (${code})`);
    }
    const known = new Set(MAIL_KINDS.flatMap((kind) => PARTS.map((part) => templateFileName(kind, part))));
    for (const name of names.sort()) {
      if (!/\.(txt|html)$/.test(name)) continue;
      if (!known.has(name)) {
        throw new ConfigError(
          TEMPLATES_VARIABLE,
          `${join(dir, name)}: not a template name (known: ${[...known].join(', ')})`,
        );
      }
      try {
        overrides.set(name, readFileSync(join(dir, name), 'utf8'));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'error';
        throw new ConfigError(TEMPLATES_VARIABLE, `cannot read ${join(dir, name)} (${code})`);
      }
    }
  }
  const result = {} as Record<MailKind, Record<Part, string>>;
  for (const kind of MAIL_KINDS) {
    result[kind] = {} as Record<Part, string>;
    for (const part of PARTS) {
      const file = templateFileName(kind, part);
      const override = overrides.get(file);
      const template = override ?? BUILT_IN[kind][part];
      checkTemplate(template, part, override !== undefined && dir ? join(dir, file) : `built-in ${file}`);
      result[kind][part] = template;
    }
  }
  return result;
}

/** The templates of `dir`, loaded as the mailer will load them. */
export async function loadMailTemplates(dir?: string): Promise<MailTemplates> {
  return readMailTemplates(dir);
}

/**
 * The problems of a templates directory, as configuration issues (none when `dir` is
 * unset or its templates are usable): `tollgate serve` reports them with every other bad
 * variable before it opens anything.
 */
export function checkMailTemplates(dir: string | undefined): ConfigIssue[] {
  try {
    readMailTemplates(dir);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return [...err.issues];
    throw err;
  }
}

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function fill(template: string, values: TemplateValues, escape: (v: string) => string): string {
  // Only names checkTemplate accepted can appear here.
  return template.replace(PLACEHOLDER_RE, (_m, name: string) => escape(values[name as Placeholder]));
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

export function renderMail(templates: MailTemplates, kind: MailKind, values: TemplateValues): RenderedMail {
  const t = templates[kind];
  return {
    // One line: a value or a template cannot add header lines.
    subject: fill(t.subject, values, (v) => v)
      .replace(/[\r\n]+/g, ' ')
      .trim(),
    text: fill(t.text, values, (v) => v),
    html: fill(t.html, values, escapeHtml),
  };
}

/** "30 minutes", "24 hours", "2 days": how long a link stays valid, for the mail text. */
export function describeDuration(seconds: number): string {
  const plural = (n: number, unit: string): string => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (seconds % 86_400 === 0 && seconds >= 86_400) return plural(seconds / 86_400, 'day');
  if (seconds % 3600 === 0 && seconds >= 3600) return plural(seconds / 3600, 'hour');
  if (seconds >= 60) return plural(Math.round(seconds / 60), 'minute');
  return plural(Math.max(1, Math.round(seconds)), 'second');
}
