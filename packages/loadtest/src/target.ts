/** Target URL validation: loopback only unless explicitly allowed. */
import { isIP } from 'node:net';

export const DEFAULT_URL = 'http://127.0.0.1:8000';

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1' || host.startsWith('::ffff:127.');
  return false;
}

/** Parses and checks the target; returns the normalised origin (no trailing slash, no path). */
export function checkTarget(raw: string, allowRemote: boolean): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`--url: not a valid URL: ${raw}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`--url: only http: and https: are supported, got ${url.protocol}`);
  }
  if (url.pathname !== '/' && url.pathname !== '') {
    throw new Error(`--url: give the origin only (no path), got ${raw}`);
  }
  if (!allowRemote && !isLoopbackHost(url.hostname)) {
    throw new Error(
      `--url: ${url.hostname} is not a loopback address; load tests target loopback only unless --allow-remote is given`,
    );
  }
  return url.origin;
}
