/**
 * Express (4 or 5) middleware; it also works with plain `node:http` and Connect. A
 * verified request has its claims in `req.auth` and goes on to `next()`; a refused one
 * is answered like tollgate does (401/400/503 with `{error, message}`,
 * `WWW-Authenticate` or `Retry-After`) and never reaches your handler.
 *
 * ```ts
 * import { tollgateAuth } from '@tollgate/verify/express';
 * const auth = tollgateAuth({ baseUrl, issuer, audience, session: { mode: 'introspect', clientId, clientSecret } });
 * app.get('/orders', auth, (req, res) => res.json({ user: req.auth!.sub }));
 * ```
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isVerifyError, type VerifyError } from './errors.js';
import type { TollgateClaims } from './jwt.js';
import type { VerifierOptions } from './options.js';
import { createVerifier, type Verifier } from './verifier.js';

declare global {
  // Express declares its Request in this global namespace; this adds `auth` to it.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The verified token's claims, set by the tollgate middleware. */
      auth?: TollgateClaims;
    }
  }
}

export interface TollgateAuthHooks {
  /** Called for every refused request (e.g. to log 503s); must not throw. */
  onRefused?: (err: VerifyError, req: IncomingMessage) => void;
}

export interface TollgateMiddleware {
  (
    req: IncomingMessage & { auth?: TollgateClaims },
    res: ServerResponse,
    next: (err?: unknown) => void,
  ): void;
  readonly verifier: Verifier;
  /** Closes the verifier when the middleware made it. */
  close(): Promise<void>;
}

/** Writes a refusal exactly as tollgate does. */
export function sendRefusal(res: ServerResponse, err: VerifyError): void {
  const { statusCode, headers, body } = err.toResponse();
  const json = JSON.stringify(body);
  res.statusCode = statusCode;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(json));
  res.end(json);
}

export function tollgateAuth(
  options: VerifierOptions | { verifier: Verifier },
  hooks: TollgateAuthHooks = {},
): TollgateMiddleware {
  const own = !('verifier' in options);
  const verifier = 'verifier' in options ? options.verifier : createVerifier(options);
  const middleware = (
    req: IncomingMessage & { auth?: TollgateClaims },
    res: ServerResponse,
    next: (err?: unknown) => void,
  ): void => {
    verifier.verifyRequest(req).then(
      (claims) => {
        req.auth = claims;
        next();
      },
      (err: unknown) => {
        if (!isVerifyError(err)) {
          next(err);
          return;
        }
        hooks.onRefused?.(err, req);
        sendRefusal(res, err);
      },
    );
  };
  return Object.assign(middleware, {
    verifier,
    close: async () => {
      if (own) await verifier.close();
    },
  });
}

export default tollgateAuth;
