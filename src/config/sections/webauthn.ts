/**
 * Passkeys (WebAuthn): the relying party the credentials are bound to. Its id
 * (WEBAUTHN_RP_ID) defaults to PUBLIC_URL's hostname, its name (WEBAUTHN_RP_NAME) is
 * what authenticators show, and the origins whose pages may run the ceremonies
 * (WEBAUTHN_ORIGINS) default to PUBLIC_URL's origin. Each origin must be the rp id or a
 * subdomain of it, as browsers require.
 */
import { parsed, text, type Section } from '../declare.js';
import { parseOriginList } from '../origin-list.js';
import type { Reader } from '../reader.js';
import type { WebAuthnConfig } from '../schema.js';

/** A domain name (or `localhost`): lower-case labels of letters, digits and hyphens. */
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

const WEBAUTHN_RP_ID = parsed<string>({
  name: 'WEBAUTHN_RP_ID',
  computed: "`PUBLIC_URL`'s hostname",
  meaning: 'the relying party id passkeys are bound to: a domain (changing it orphans every passkey)',
  details: '(`example.com` serves `auth.example.com` and `app.example.com`); see [passkeys.md](passkeys.md)',
  example: 'example.com',
  parse: (value, issue, fallback) => {
    if (DOMAIN.test(value)) return value;
    issue(`must be a domain name like example.com (no scheme, port or path), got "${value}"`);
    return fallback;
  },
});

const WEBAUTHN_RP_NAME = text({
  name: 'WEBAUTHN_RP_NAME',
  default: 'tollgate',
  meaning: 'the service name authenticators show',
  details: '(at most 64 characters)',
});

const WEBAUTHN_TOP_ORIGINS = parsed<string[]>({
  name: 'WEBAUTHN_TOP_ORIGINS',
  default: [],
  show: (origins) => origins.join(','),
  meaning:
    'passkeys: sites that may show the sign-in page in a frame (comma-separated origins); none: a framed (`crossOrigin`) sign-in is refused',
  parse: (value, issue) => parseOriginList(value, issue),
});

const WEBAUTHN_ORIGINS = parsed<string[]>({
  name: 'WEBAUTHN_ORIGINS',
  computed: "`PUBLIC_URL`'s origin",
  meaning: 'origins of the pages that register and use passkeys (comma-separated; under the rp id)',
  details: '(`http://` only on `localhost`, in development)',
  example: 'https://app.example.com',
  parse: (value, issue) => parseOriginList(value, issue),
});

export const WEBAUTHN: Section = {
  title: 'Passkeys (WebAuthn)',
  variables: [WEBAUTHN_RP_ID, WEBAUTHN_RP_NAME, WEBAUTHN_TOP_ORIGINS, WEBAUTHN_ORIGINS],
};

/** True when a page of `origin` may use credentials of `rpId` (its host is rpId or below it). */
export function originFitsRpId(origin: string, rpId: string): boolean {
  const host = new URL(origin).hostname;
  return host === rpId || host.endsWith(`.${rpId}`);
}

export function readWebAuthn(r: Reader, publicUrl: string): WebAuthnConfig {
  const rpId = WEBAUTHN_RP_ID.read(r, new URL(publicUrl).hostname);
  const rpName = WEBAUTHN_RP_NAME.read(r);
  if (rpName.length > 64) r.issue(WEBAUTHN_RP_NAME.name, 'must be at most 64 characters');
  const origins = WEBAUTHN_ORIGINS.read(r, [new URL(publicUrl).origin]);
  const outside = origins.filter((o) => !originFitsRpId(o, rpId));
  if (outside.length > 0) {
    r.issue(
      WEBAUTHN_ORIGINS.isSet(r) ? WEBAUTHN_ORIGINS.name : WEBAUTHN_RP_ID.name,
      `every passkey origin must be ${rpId} or a subdomain of it; not: ${outside.join(', ')} (set WEBAUTHN_ORIGINS to the pages that run passkey sign-in)`,
    );
  }
  // Pages that may frame the sign-in page (no default: a framed ceremony is refused).
  const topOrigins = WEBAUTHN_TOP_ORIGINS.read(r);
  return { rpId, rpName: rpName.slice(0, 64), origins, topOrigins };
}
