/** Comma-separated browser origins (`scheme://host[:port]`), as CORS_ORIGINS and WEBAUTHN_*ORIGINS take them. */
import type { Issue } from './declare.js';

/**
 * Each entry must be an http(s) origin exactly as browsers send it (a trailing `/` is
 * dropped; no path); duplicates are dropped and empty entries skipped. `refuseWildcards`:
 * `*` and `null` get their own message (an allowlist names its origins one by one).
 */
export function parseOriginList(
  value: string,
  issue: Issue,
  options: { refuseWildcards?: boolean } = {},
): string[] {
  const origins = new Set<string>();
  for (const entry of value.split(',')) {
    const e = entry.trim();
    if (e === '') continue;
    if (options.refuseWildcards && (e === '*' || e === 'null')) {
      issue(`list the allowed origins one by one; "${e}" is not accepted`);
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
      issue(`expected origins like https://app.example.com (no path), got "${e}"`);
      continue;
    }
    origins.add(url.origin);
  }
  return [...origins];
}
