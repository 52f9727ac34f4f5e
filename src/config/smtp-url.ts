/**
 * SMTP_URL: `smtp://[user:pass@]host[:port]` (STARTTLS when the server offers it;
 * `?requireTLS=true` refuses to send without it) or `smtps://…` (TLS from the first
 * byte). User and password are percent-decoded. Errors never echo the URL, which may
 * hold the password.
 */
import { ConfigError } from '../errors.js';

export const SMTP_URL_VARIABLE = 'SMTP_URL';

export interface SmtpEndpoint {
  host: string;
  port: number;
  /** TLS from the start (smtps). */
  secure: boolean;
  /** smtp:// only: fail rather than send in clear text when STARTTLS is not offered. */
  requireTLS: boolean;
  auth: { user: string; pass: string } | undefined;
}

export function parseSmtpUrl(text: string): SmtpEndpoint {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(SMTP_URL_VARIABLE, 'not a URL (e.g. smtp://user:pass@mail.example.com:587)');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw new ConfigError(SMTP_URL_VARIABLE, 'must start with smtp:// or smtps://');
  }
  const secure = url.protocol === 'smtps:';
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) throw new ConfigError(SMTP_URL_VARIABLE, 'has no host');
  if (url.pathname !== '' && url.pathname !== '/') {
    throw new ConfigError(SMTP_URL_VARIABLE, 'must not have a path');
  }
  let requireTLS = false;
  for (const [key, value] of url.searchParams) {
    if (key === 'requireTLS' && !secure && (value === 'true' || value === 'false')) {
      requireTLS = value === 'true';
    } else {
      throw new ConfigError(
        SMTP_URL_VARIABLE,
        `unsupported query parameter "${key}" (only requireTLS=true|false, with smtp://)`,
      );
    }
  }
  let auth: SmtpEndpoint['auth'];
  if (url.username || url.password) {
    try {
      auth = { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) };
    } catch {
      throw new ConfigError(SMTP_URL_VARIABLE, 'the user or password is not valid percent-encoding');
    }
  }
  return {
    host,
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    requireTLS,
    auth,
  };
}
