/** Links in mails, built on PUBLIC_URL (which may carry a path prefix). */
import { ConfigError } from '../errors.js';

/** Checks PUBLIC_URL and returns it without a trailing slash. */
export function normalisePublicUrl(publicUrl: string): string {
  let url: URL;
  try {
    url = new URL(publicUrl);
  } catch {
    throw new ConfigError('PUBLIC_URL', 'not a URL (e.g. https://auth.example.com)');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError('PUBLIC_URL', 'must be an http:// or https:// URL');
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new ConfigError('PUBLIC_URL', 'must not carry credentials, a query or a fragment');
  }
  return url.href.replace(/\/+$/, '');
}

/** `<base><path>?token=<token>`; `path` starts with `/`. */
export function buildTokenLink(base: string, path: string, token: string): string {
  const url = new URL(base + (path.startsWith('/') ? path : `/${path}`));
  url.searchParams.set('token', token);
  return url.href;
}
