/**
 * Passkeys (WebAuthn): the relying party the credentials are bound to. Its id
 * (WEBAUTHN_RP_ID) defaults to PUBLIC_URL's hostname, its name (WEBAUTHN_RP_NAME) is
 * what authenticators show, and the origins whose pages may run the ceremonies
 * (WEBAUTHN_ORIGINS) default to PUBLIC_URL's origin. Each origin must be the rp id or a
 * subdomain of it, as browsers require.
 */
import type { Reader } from '../reader.js';
import type { WebAuthnConfig } from '../schema.js';

/** A domain name (or `localhost`): lower-case labels of letters, digits and hyphens. */
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

function readRpId(r: Reader, publicUrl: string): string {
  const fallback = new URL(publicUrl).hostname;
  const v = r.raw('WEBAUTHN_RP_ID');
  if (v === undefined) return fallback;
  if (!DOMAIN.test(v)) {
    r.issue('WEBAUTHN_RP_ID', `must be a domain name like example.com (no scheme, port or path), got "${v}"`);
    return fallback;
  }
  return v;
}

function readOrigins(r: Reader, name: string, value: string | undefined, fallback: string[]): string[] {
  if (value === undefined) return fallback;
  const origins = new Set<string>();
  for (const entry of value.split(',')) {
    const e = entry.trim();
    if (e === '') continue;
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
      r.issue(name, `expected origins like https://app.example.com (no path), got "${e}"`);
      continue;
    }
    origins.add(url.origin);
  }
  return [...origins];
}

/** True when a page of `origin` may use credentials of `rpId` (its host is rpId or below it). */
export function originFitsRpId(origin: string, rpId: string): boolean {
  const host = new URL(origin).hostname;
  return host === rpId || host.endsWith(`.${rpId}`);
}

export function readWebAuthn(r: Reader, publicUrl: string): WebAuthnConfig {
  const rpId = readRpId(r, publicUrl);
  const rpName = r.string('WEBAUTHN_RP_NAME', 'tollgate');
  if (rpName.length > 64) r.issue('WEBAUTHN_RP_NAME', 'must be at most 64 characters');
  const origins = readOrigins(r, 'WEBAUTHN_ORIGINS', r.raw('WEBAUTHN_ORIGINS'), [new URL(publicUrl).origin]);
  const outside = origins.filter((o) => !originFitsRpId(o, rpId));
  if (outside.length > 0) {
    r.issue(
      r.isSet('WEBAUTHN_ORIGINS') ? 'WEBAUTHN_ORIGINS' : 'WEBAUTHN_RP_ID',
      `every passkey origin must be ${rpId} or a subdomain of it; not: ${outside.join(', ')} (set WEBAUTHN_ORIGINS to the pages that run passkey sign-in)`,
    );
  }
  // Pages that may frame the sign-in page (no default: a framed ceremony is refused).
  const topOrigins = readOrigins(r, 'WEBAUTHN_TOP_ORIGINS', r.raw('WEBAUTHN_TOP_ORIGINS'), []);
  return { rpId, rpName: rpName.slice(0, 64), origins, topOrigins };
}
