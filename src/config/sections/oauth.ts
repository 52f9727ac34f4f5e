/**
 * What other services need: the externally visible base URL (PUBLIC_URL) and the
 * resource servers allowed to introspect tokens (INTROSPECTION_CLIENTS).
 */
import { parsed, secret, type Section } from '../declare.js';
import type { Reader } from '../reader.js';
import type { IntrospectionClientConfig } from '../schema.js';
import type { ServerSection } from './server.js';

/** A client id: RFC 3986 unreserved characters, so it needs no escaping anywhere. */
export const CLIENT_ID_PATTERN = /^[A-Za-z0-9._~-]{1,128}$/;
const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

/** The listen address as a URL host: wildcard addresses become loopback. */
function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '[::1]';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** A base URL as given (a parsed URL), or the fallback when the value is not one. */
const PUBLIC_URL = parsed<URL | string>({
  name: 'PUBLIC_URL',
  computed: 'development and staging: `http://<HOST>:<PORT>`; required in production (`https://`)',
  meaning:
    'the externally visible base URL: the links of the metadata; its origin may always use the refresh cookie',
  details:
    '(a path prefix is kept, the trailing `/` dropped; the metadata is `/.well-known/oauth-authorization-server`). Set it whenever clients reach tollgate through another name or port (a proxy, `PORT=0`)',
  example: 'https://auth.example.com',
  parse: (value, issue, fallback) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      issue(`is not a valid URL, got "${value}"`);
      return fallback;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      issue(`must use http:// or https://, got "${url.protocol}"`);
      return fallback;
    }
    if (url.search || url.hash || url.username || url.password) {
      issue('must be a base URL without credentials, query or fragment');
      return fallback;
    }
    return url;
  },
});

const INTROSPECTION_CLIENTS = secret({
  name: 'INTROSPECTION_CLIENTS',
  what: 'clients file',
  unset: 'none',
  meaning:
    'resource servers allowed to call `POST /oauth/introspect`: `id:sha256hex` entries (`tollgate clients secret` makes one)',
  details: 'separated by commas (or lines, in the file); see below',
});

export const OAUTH: Section = { title: 'Other services', variables: [PUBLIC_URL, INTROSPECTION_CLIENTS] };

export function readPublicUrl(r: Reader, server: ServerSection): string {
  const fallback = `http://${urlHost(server.host)}:${server.port}`;
  if (!PUBLIC_URL.isSet(r) && server.production) {
    r.issue(
      PUBLIC_URL.name,
      'production requires the externally visible base URL of this service (e.g. https://auth.example.com)',
    );
  }
  const url = PUBLIC_URL.read(r, fallback);
  if (typeof url === 'string') return url;
  if (server.production && url.protocol !== 'https:') {
    r.issue(PUBLIC_URL.name, 'must use https:// in production');
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

/**
 * INTROSPECTION_CLIENTS: `id:sha256hex` entries separated by commas or new lines (the
 * SHA-256 of each client's secret; `tollgate clients secret` makes a pair). From
 * INTROSPECTION_CLIENTS_FILE too.
 */
export function readIntrospectionClients(r: Reader): IntrospectionClientConfig[] {
  const value = INTROSPECTION_CLIENTS.read(r);
  if (value === undefined) return [];
  const clients: IntrospectionClientConfig[] = [];
  const seen = new Set<string>();
  for (const entry of value.split(/[,\n]/)) {
    const e = entry.trim();
    if (e === '') continue;
    const colon = e.indexOf(':');
    const id = colon === -1 ? e : e.slice(0, colon);
    const hash = colon === -1 ? '' : e.slice(colon + 1);
    if (!CLIENT_ID_PATTERN.test(id) || !SHA256_HEX.test(hash)) {
      r.issue(
        INTROSPECTION_CLIENTS.name,
        `expected id:sha256hex entries (id of letters, digits, ".", "_", "~", "-"; the SHA-256 of the secret in hex, as \`tollgate clients secret\` prints), got an entry for "${id.slice(0, 40)}"`,
      );
      continue;
    }
    if (seen.has(id)) {
      r.issue(INTROSPECTION_CLIENTS.name, `client "${id}" is listed twice`);
      continue;
    }
    seen.add(id);
    clients.push({ id, secretSha256: hash.toLowerCase() });
  }
  return clients;
}
