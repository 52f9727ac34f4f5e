/**
 * @tollgate/verify/edge: the verifier for edge runtimes (Next.js middleware, Vercel and
 * Cloudflare edge functions, Deno, Bun). Web APIs only: Web Crypto for the signature,
 * the global `fetch` for the key set and for introspection; no Node module is loaded.
 *
 * The checks are those of the Node entry. `redis` mode works with any client whose
 * `exists(key)` answers over HTTP (a TCP Redis client cannot run on the edge);
 * `session.connections` does not apply (the platform's `fetch` pools connections).
 */
import { AuthorizationDuplicateError, type VerifyError } from './errors.js';
import type { TollgateClaims } from './jwt.js';
import { fetchTransport } from './introspect-fetch.js';
import type { VerifierOptions } from './options.js';
import { tokenFromAuthorization } from './authorization.js';
import { buildVerifier, type Verifier } from './verifier-core.js';

export * from './common.js';

/** A Fetch API request, as edge runtimes and Next.js middleware (`NextRequest`) hand it over. */
export interface FetchRequestLike {
  readonly headers: { get(name: string): string | null };
}

export interface EdgeVerifier extends Omit<Verifier, 'verifyRequest'> {
  /**
   * Verifies a Fetch API request by its `Authorization: Bearer` header. Two headers
   * reach the edge joined by a comma, which no token contains: that is a 400
   * `AuthorizationDuplicateError`, as in Node.
   */
  verifyRequest(request: FetchRequestLike): Promise<TollgateClaims>;
}

export function createVerifier(options: VerifierOptions): EdgeVerifier {
  const core = buildVerifier(options, fetchTransport);
  return Object.freeze({
    mode: core.mode,
    verify: (authorizationOrToken: string | undefined) => core.verify(authorizationOrToken),
    async verifyRequest(request: FetchRequestLike): Promise<TollgateClaims> {
      const header = request.headers.get('authorization') ?? undefined;
      if (header?.includes(',')) throw new AuthorizationDuplicateError();
      return core.verify(tokenFromAuthorization(header));
    },
    ready: () => core.ready(),
    close: () => core.close(),
  });
}

/** The answer for a refused request: tollgate's status, headers and `{error, message}` body. */
export function errorResponse(err: VerifyError): Response {
  const { statusCode, headers, body } = err.toResponse();
  return new Response(JSON.stringify(body), {
    status: statusCode,
    headers: { ...headers, 'content-type': 'application/json; charset=utf-8' },
  });
}
