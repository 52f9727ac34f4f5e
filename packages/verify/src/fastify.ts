/**
 * Fastify plugin. Register it with verifier options (or a verifier of your own), then
 * protect routes with `onRequest: app.tollgate.authenticate` — or every route of the
 * registering scope with `{ global: true }` (register it again in a child scope to protect
 * only that scope; `app.tollgate` stays the first registration's). A verified request has its claims in
 * `request.auth`; a refused one is answered like tollgate does (401/400/503 with
 * `{error, message}`, `WWW-Authenticate` or `Retry-After`) and never reaches the handler.
 *
 * ```ts
 * import tollgate from '@tollgate/verify/fastify';
 * await app.register(tollgate, { baseUrl, issuer, audience, session: { mode: 'redis', client } });
 * app.get('/orders', { onRequest: app.tollgate.authenticate }, (req) => ({ user: req.auth!.sub }));
 * ```
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { isVerifyError, UnavailableError, type VerifyError } from './errors.js';
import type { TollgateClaims } from './jwt.js';
import type { VerifierOptions } from './options.js';
import { createVerifier, type Verifier } from './verifier.js';

export interface TollgateFastify {
  readonly verifier: Verifier;
  /** An `onRequest` (or `preHandler`) hook that lets only verified requests through. */
  readonly authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified token's claims; `null` on routes that are not protected. */
    auth: TollgateClaims | null;
  }
  interface FastifyInstance {
    tollgate: TollgateFastify;
  }
}

export type TollgateFastifyOptions = (VerifierOptions | { verifier: Verifier }) & {
  /** Protect every route of the scope the plugin is registered in. Default false. */
  global?: boolean;
};

function hasVerifier(o: object): o is { verifier: Verifier } {
  return 'verifier' in o && typeof (o as { verifier?: unknown }).verifier === 'object';
}

function refuse(request: FastifyRequest, reply: FastifyReply, err: VerifyError): FastifyReply {
  if (err instanceof UnavailableError) {
    request.log.warn({ code: err.code, reason: err.reason }, 'tollgate check unavailable; request refused');
  }
  const { statusCode, headers, body } = err.toResponse();
  return reply.code(statusCode).headers(headers).send(body);
}

const plugin: FastifyPluginAsync<TollgateFastifyOptions> = async (app, options) => {
  const own = !hasVerifier(options);
  const verifier = hasVerifier(options) ? options.verifier : createVerifier(options);

  async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    try {
      request.auth = await verifier.verifyRequest(request.raw);
    } catch (err) {
      if (!isVerifyError(err)) throw err;
      // A reply sent in a hook ends the request before the handler runs.
      void refuse(request, reply, err);
    }
  }

  // Registered again in a child scope (e.g. with `global: true`), the decorations of the
  // first registration stay; the hook below uses this registration's verifier.
  if (!app.hasRequestDecorator('auth')) app.decorateRequest('auth', null);
  if (!app.hasDecorator('tollgate')) app.decorate('tollgate', Object.freeze({ verifier, authenticate }));
  if (options.global === true) app.addHook('onRequest', authenticate);
  if (own) app.addHook('onClose', async () => verifier.close());
};

/** The plugin; it decorates the scope it is registered in (not encapsulated). */
export const tollgateFastify = fp(plugin, { fastify: '5.x', name: '@tollgate/verify' });
export default tollgateFastify;
