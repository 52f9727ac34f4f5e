/**
 * Account mail and second factors: SMTP_URL, MAIL_FROM, MAIL_TEMPLATES_DIR, the link
 * paths and token lifetimes of password reset and email verification,
 * REQUIRE_VERIFIED_EMAIL, REAUTH_MAX_AGE (the step-up window of credential changes), and SECRETS_KEY (the key TOTP secrets are sealed under).
 */
import { parseSecretsKey } from '../secrets-key.js';
import { parseSmtpUrl } from '../smtp-url.js';
import { ConfigError } from '../../errors.js';
import type { Reader } from '../reader.js';
import type { AccountsConfig, MailConfig, SecretsKeyConfig } from '../schema.js';
import type { ServerSection } from './server.js';

function checkLinkPath(r: Reader, name: string, v: string, fallback: string): string {
  if (!v.startsWith('/') || /[?#\s]/.test(v)) {
    r.issue(name, `must be a path starting with / without ? or #, got "${v}"`);
    return fallback;
  }
  return v;
}

function readSmtpUrl(r: Reader): string | undefined {
  const v = r.secret('SMTP_URL', 'SMTP URL file');
  if (v === undefined) return undefined;
  try {
    // The whole URL is checked here, so a bad one is reported with every other bad
    // variable before anything starts. The messages never repeat it (it may hold a password).
    parseSmtpUrl(v);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const issue of err.issues) r.issue(issue.variable, issue.message);
    return undefined;
  }
  return v;
}

function readMail(r: Reader, publicUrl: string): MailConfig {
  const host = new URL(publicUrl).hostname || 'localhost';
  return {
    smtpUrl: readSmtpUrl(r),
    from: r.string('MAIL_FROM', `tollgate <no-reply@${host.includes('.') ? host : `${host}.localdomain`}>`),
    templatesDir: r.optional('MAIL_TEMPLATES_DIR'),
    resetLinkPath: checkLinkPath(
      r,
      'PASSWORD_RESET_URL_PATH',
      r.string('PASSWORD_RESET_URL_PATH', '/reset-password'),
      '/reset-password',
    ),
    verifyLinkPath: checkLinkPath(
      r,
      'EMAIL_VERIFICATION_URL_PATH',
      r.string('EMAIL_VERIFICATION_URL_PATH', '/verify-email'),
      '/verify-email',
    ),
  };
}

function parseKey(r: Reader, name: string, text: string): Buffer | undefined {
  try {
    return parseSecretsKey(text, name);
  } catch (err) {
    r.issue(name, err instanceof ConfigError ? (err.issues[0]?.message ?? 'is invalid') : 'is invalid');
    return undefined;
  }
}

function readSecretsKey(r: Reader): SecretsKeyConfig {
  const current = r.secret('SECRETS_KEY', 'key file');
  const previous = (r.secret('SECRETS_PREVIOUS_KEYS', 'key file') ?? '')
    .split(/[\s,]+/)
    .filter((k) => k !== '')
    .map((k) => parseKey(r, 'SECRETS_PREVIOUS_KEYS', k))
    .filter((k): k is Buffer => k !== undefined);
  if (current === undefined && previous.length > 0) {
    r.issue('SECRETS_PREVIOUS_KEYS', 'needs SECRETS_KEY (the key new secrets are sealed with)');
  }
  return {
    current: current === undefined ? undefined : parseKey(r, 'SECRETS_KEY', current),
    previous,
  };
}

export function readAccounts(r: Reader, server: ServerSection, publicUrl: string): AccountsConfig {
  const mail = readMail(r, publicUrl);
  const requireVerifiedEmail = r.bool('REQUIRE_VERIFIED_EMAIL', false);
  if (requireVerifiedEmail && server.production && !mail.smtpUrl) {
    r.issue('REQUIRE_VERIFIED_EMAIL', 'needs SMTP_URL in production (verification links go out by mail)');
  }
  return {
    mail,
    requireVerifiedEmail,
    passwordResetTtlSeconds: r.int('PASSWORD_RESET_TTL', 1800, 60, 86_400),
    emailVerificationTtlSeconds: r.int('EMAIL_VERIFICATION_TTL', 86_400, 300, 30 * 86_400),
    reauthMaxAgeSeconds: r.int('REAUTH_MAX_AGE', 300, 30, 3600),
    secretsKey: readSecretsKey(r),
  };
}
