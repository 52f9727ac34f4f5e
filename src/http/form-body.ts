/**
 * `application/x-www-form-urlencoded` bodies, for the OAuth endpoints only (RFC 7009
 * revocation, RFC 7662 introspection), which their RFCs define with form bodies. Every
 * other route keeps taking JSON alone: a form is what another site can make a browser
 * post without asking (no CORS preflight), so accepting one elsewhere would invite
 * cross-site requests. A parameter sent twice is refused (RFC 6749 §3.2).
 */
import type { FastifyInstance } from 'fastify';
import { InvalidRequestError } from '../errors.js';

export const FORM = 'application/x-www-form-urlencoded';

/** The form's parameters as a plain object; InvalidRequestError when one repeats. */
export function parseForm(body: string): Record<string, string> {
  const params = new URLSearchParams(body);
  const entries = [...params];
  const names = new Set(entries.map(([name]) => name));
  if (names.size !== entries.length)
    throw new InvalidRequestError('A form parameter was sent more than once');
  return Object.fromEntries(entries);
}

/** Makes the routes of `scope` (an encapsulated plugin) accept form bodies besides JSON. */
export function acceptFormBodies(scope: FastifyInstance): void {
  scope.addContentTypeParser(FORM, { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseForm(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
}
