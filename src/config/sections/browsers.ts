/** Browser clients: the CORS allowlist (CORS_ORIGINS) and the refresh-token cookie (REFRESH_COOKIE). */
import type { Reader } from '../reader.js';

/** CORS_ORIGINS: comma-separated origins (`scheme://host[:port]`), each as browsers send it. */
export function readCorsOrigins(r: Reader): string[] {
  const value = r.raw('CORS_ORIGINS');
  if (value === undefined) return [];
  const origins = new Set<string>();
  for (const entry of value.split(',')) {
    const e = entry.trim();
    if (e === '') continue;
    if (e === '*' || e === 'null') {
      r.issue('CORS_ORIGINS', `list the allowed origins one by one; "${e}" is not accepted`);
      continue;
    }
    let url: URL | undefined;
    try {
      url = new URL(e);
    } catch {
      url = undefined;
    }
    if (
      !url ||
      (url.protocol !== 'http:' && url.protocol !== 'https:') ||
      url.origin !== e.replace(/\/$/, '').toLowerCase()
    ) {
      r.issue('CORS_ORIGINS', `expected origins like https://app.example.com (no path), got "${e}"`);
      continue;
    }
    origins.add(url.origin);
  }
  return [...origins];
}

export function readRefreshCookie(r: Reader): boolean {
  return r.bool('REFRESH_COOKIE', false);
}
