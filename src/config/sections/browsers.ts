/** Browser clients: the CORS allowlist (CORS_ORIGINS) and the refresh-token cookie (REFRESH_COOKIE). */
import { bool, parsed, type Section } from '../declare.js';
import { parseOriginList } from '../origin-list.js';
import type { Reader } from '../reader.js';

const CORS_ORIGINS = parsed<string[]>({
  name: 'CORS_ORIGINS',
  default: [],
  show: (origins) => origins.join(','),
  meaning: 'browser origins allowed by CORS, with credentials, comma-separated',
  details: '(`https://app.example.com,http://localhost:5173`); exact origins, no `*`',
  example: 'https://app.example.com',
  parse: (value, issue) => parseOriginList(value, issue, { refuseWildcards: true }),
});

const REFRESH_COOKIE = bool({
  name: 'REFRESH_COOKIE',
  default: false,
  words: 'on/off',
  meaning: '`on`: the refresh token travels only in an httpOnly cookie on `/auth`',
  details: '(Secure, SameSite=Strict; see below)',
});

export const BROWSERS: Section = { title: 'Browsers', variables: [CORS_ORIGINS, REFRESH_COOKIE] };

export function readCorsOrigins(r: Reader): string[] {
  return CORS_ORIGINS.read(r);
}

export function readRefreshCookie(r: Reader): boolean {
  return REFRESH_COOKIE.read(r);
}
