/**
 * Account mail and second factors: SMTP_URL, MAIL_FROM, MAIL_TEMPLATES_DIR, the link
 * paths and token lifetimes of password reset and email verification,
 * REQUIRE_VERIFIED_EMAIL, REAUTH_MAX_AGE (the step-up window of credential changes), and SECRETS_KEY (the key TOTP secrets are sealed under).
 */
import { bool, int, optionalText, parsed, secret, text, type Issue, type Section } from '../declare.js';
import { parseSecretsKey } from '../secrets-key.js';
import { parseSmtpUrl } from '../smtp-url.js';
import { ConfigError } from '../../errors.js';
import type { Reader } from '../reader.js';
import type { AccountsConfig, MailConfig, SecretsKeyConfig } from '../schema.js';
import type { ServerSection } from './server.js';

const SMTP_URL = secret({
  name: 'SMTP_URL',
  what: 'SMTP URL file',
  unset: 'development: mail goes to the log; production: no mail',
  meaning:
    '`smtp://[user:password@]host[:port]` (STARTTLS when offered; `?requireTLS=true` insists) or `smtps://` (TLS)',
  details: '; see [Account mail](#account-mail-and-two-factor-login)',
  example: 'smtp://mailer:secret@smtp.example.com:587',
});

const MAIL_FROM = text({
  name: 'MAIL_FROM',
  computed: '`tollgate <no-reply@<PUBLIC_URL host>>`',
  meaning: 'the sender of account mail: one address, optionally with a display name',
  example: '"Example Accounts" <no-reply@example.com>',
});

const MAIL_TEMPLATES_DIR = optionalText({
  name: 'MAIL_TEMPLATES_DIR',
  unset: 'built-in templates',
  meaning:
    'files here (`password_reset.txt`, `password_reset.html`, `email_verification.txt`, `email_verification.html`) replace the built-in mails',
});

/** A path on PUBLIC_URL: starts with `/`, no query or fragment. */
function linkPath(value: string, issue: Issue, fallback: string): string {
  if (!value.startsWith('/') || /[?#\s]/.test(value)) {
    issue(`must be a path starting with / without ? or #, got "${value}"`);
    return fallback;
  }
  return value;
}

const PASSWORD_RESET_URL_PATH = parsed<string>({
  name: 'PASSWORD_RESET_URL_PATH',
  default: '/reset-password',
  meaning: 'the page on `PUBLIC_URL` a reset link opens (it receives `?token=`)',
  details: 'and posts it to `POST /auth/password-reset`',
  parse: linkPath,
});

const EMAIL_VERIFICATION_URL_PATH = parsed<string>({
  name: 'EMAIL_VERIFICATION_URL_PATH',
  default: '/verify-email',
  meaning: 'the page on `PUBLIC_URL` a verification link opens (it receives `?token=`)',
  details: 'and posts it to `POST /auth/email-verification`',
  parse: linkPath,
});

const PASSWORD_RESET_TTL = int({
  name: 'PASSWORD_RESET_TTL',
  default: 1800,
  min: 60,
  max: 86_400,
  meaning: 'seconds a reset link works (once)',
});

const EMAIL_VERIFICATION_TTL = int({
  name: 'EMAIL_VERIFICATION_TTL',
  default: 86_400,
  min: 300,
  max: 30 * 86_400,
  meaning: 'seconds a verification link works (once)',
});

const REQUIRE_VERIFIED_EMAIL = bool({
  name: 'REQUIRE_VERIFIED_EMAIL',
  default: false,
  words: 'on/off',
  meaning:
    '`on`: after a correct password, login answers 403 `email_not_verified` until the address is verified (a link is mailed then, and at registration)',
  details:
    '. Needs `SMTP_URL` in production. Whatever its value, a server that sends mail adds passkeys and TOTP only to verified addresses',
});

const REAUTH_MAX_AGE = int({
  name: 'REAUTH_MAX_AGE',
  default: 300,
  min: 30,
  max: 3600,
  meaning:
    'seconds (30-3600) a sign-in or `POST /auth/reauthenticate` counts as recent: adding or removing a factor, new recovery codes and an email change need one that recent',
  details: ', else 401 `reauthentication_required` (see [api.md](api.md#step-up-for-credential-changes))',
});

const SECRETS_KEY = secret({
  name: 'SECRETS_KEY',
  what: 'key file',
  unset: 'development: generated under `VAR_DIR`',
  meaning:
    'seals TOTP secrets at rest (AES-256-GCM): 32 bytes as 64 hex digits or base64 (`openssl rand -base64 32`); production without it has no TOTP',
  details: '(setup answers 403 `feature_disabled`)',
});

const SECRETS_PREVIOUS_KEYS = secret({
  name: 'SECRETS_PREVIOUS_KEYS',
  what: 'key file',
  unset: 'none',
  meaning: 'earlier `SECRETS_KEY`s, comma-separated: still open what they sealed (key rotation)',
  details: ', and what they sealed is sealed again under the current key when next used',
});

export const ACCOUNTS: Section = {
  title: 'Account mail and two-factor login',
  variables: [
    SMTP_URL,
    MAIL_FROM,
    MAIL_TEMPLATES_DIR,
    PASSWORD_RESET_URL_PATH,
    EMAIL_VERIFICATION_URL_PATH,
    PASSWORD_RESET_TTL,
    EMAIL_VERIFICATION_TTL,
    REQUIRE_VERIFIED_EMAIL,
    REAUTH_MAX_AGE,
    SECRETS_KEY,
    SECRETS_PREVIOUS_KEYS,
  ],
};

function readSmtpUrl(r: Reader): string | undefined {
  const v = SMTP_URL.read(r);
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
    from: MAIL_FROM.read(r, `tollgate <no-reply@${host.includes('.') ? host : `${host}.localdomain`}>`),
    templatesDir: MAIL_TEMPLATES_DIR.read(r),
    resetLinkPath: PASSWORD_RESET_URL_PATH.read(r),
    verifyLinkPath: EMAIL_VERIFICATION_URL_PATH.read(r),
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
  const current = SECRETS_KEY.read(r);
  const previous = (SECRETS_PREVIOUS_KEYS.read(r) ?? '')
    .split(/[\s,]+/)
    .filter((k) => k !== '')
    .map((k) => parseKey(r, SECRETS_PREVIOUS_KEYS.name, k))
    .filter((k): k is Buffer => k !== undefined);
  if (current === undefined && previous.length > 0) {
    r.issue(SECRETS_PREVIOUS_KEYS.name, 'needs SECRETS_KEY (the key new secrets are sealed with)');
  }
  return {
    current: current === undefined ? undefined : parseKey(r, SECRETS_KEY.name, current),
    previous,
  };
}

export function readAccounts(r: Reader, server: ServerSection, publicUrl: string): AccountsConfig {
  const mail = readMail(r, publicUrl);
  const requireVerifiedEmail = REQUIRE_VERIFIED_EMAIL.read(r);
  if (requireVerifiedEmail && server.production && !mail.smtpUrl) {
    r.issue(REQUIRE_VERIFIED_EMAIL.name, 'needs SMTP_URL in production (verification links go out by mail)');
  }
  return {
    mail,
    requireVerifiedEmail,
    passwordResetTtlSeconds: PASSWORD_RESET_TTL.read(r),
    emailVerificationTtlSeconds: EMAIL_VERIFICATION_TTL.read(r),
    reauthMaxAgeSeconds: REAUTH_MAX_AGE.read(r),
    secretsKey: readSecretsKey(r),
  };
}
