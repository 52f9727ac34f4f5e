/**
 * POST /auth/register, /auth/login, /auth/refresh, /auth/logout, /auth/logout-all
 * (/auth/revoke is with the other OAuth endpoints, in oauth.ts). With REFRESH_COOKIE=on
 * the refresh token travels in a cookie (see refresh-cookie.ts).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { InvalidGrantError } from '../../errors.js';
import { completeMfaLogin } from '../../flows/login/mfa.js';
import { login } from '../../flows/login/password.js';
import { register } from '../../flows/registration/register.js';
import { refresh } from '../../flows/sessions/refresh.js';
import { logout, logoutAll, revoke } from '../../flows/sessions/revoke.js';
import type { AppContext } from '../context.js';
import { claimsOf, clientOf, requireSession } from '../guards.js';
import { refreshCookie } from '../refresh-cookie.js';
import { mfaChallengeBody, mfaLoginBody } from '../schemas/account-flows.js';
import { bearerSecurity, cookieSecurity, credentials, errorRef, messageBody } from '../schemas/common.js';

interface Credentials {
  email: string;
  password: string;
}

/** What the routes of this group share. */
async function shared(ctx: AppContext, app: FastifyInstance) {
  const { deps } = ctx;
  const maxPassword = Math.max(ctx.config.passwordMaxLength, 1024);
  const bearer = requireSession(deps);
  const unavailable = { 503: errorRef };
  const cookies = refreshCookie(ctx.config);
  await cookies.register(app);
  const pairSchema = cookies.pairSchema;
  // Token answers must not be stored by any cache (RFC 6749 §5.1).
  const noStore = 'no-store';

  /** Cookie mode: a logout without an Authorization header may be authenticated by the cookie. */
  const logoutAuth = async (request: FastifyRequest): Promise<void> => {
    if (request.headers.authorization === undefined && cookies.present(request)) return;
    await bearer(request);
  };
  return { ctx, deps, maxPassword, bearer, unavailable, cookies, pairSchema, noStore, logoutAuth };
}
type Shared = Awaited<ReturnType<typeof shared>>;

function postRegister(app: FastifyInstance, { ctx, unavailable, deps }: Shared): void {
  app.post<{ Body: Credentials }>(
    '/auth/register',
    {
      schema: {
        tags: ['auth'],
        summary: 'Create a user',
        body: credentials(ctx.config.passwordMaxLength),
        response: {
          201: {
            type: 'object',
            required: ['id', 'email'],
            properties: { id: { type: 'string' }, email: { type: 'string' } },
          },
          400: {
            ...errorRef,
            description:
              '`invalid_request`: a malformed body, email or password length. `weak_password`: the password policy refused the password (too easy to guess, or known from a data breach); the message says why.',
          },
          403: errorRef,
          409: errorRef,
          ...unavailable,
        },
      },
    },
    async (request, reply) => {
      const user = await register(deps, request.body.email, request.body.password, clientOf(request));
      return reply.code(201).send(user);
    },
  );
}

function postLogin(
  app: FastifyInstance,
  { maxPassword, pairSchema, unavailable, deps, noStore, cookies }: Shared,
): void {
  app.post<{ Body: Credentials }>(
    '/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Check a password and open a session',
        description:
          'With TOTP on, a correct password opens no session: the answer is `{mfa_required, mfa_token, expires_in}` ' +
          'and POST /auth/login/mfa finishes the login.',
        body: credentials(maxPassword),
        response: {
          200: { anyOf: [pairSchema, mfaChallengeBody] },
          400: errorRef,
          401: errorRef,
          403: {
            ...errorRef,
            description:
              'After a correct password: `account_disabled`, or `email_not_verified` (REQUIRE_VERIFIED_EMAIL=on; a new link is mailed)',
          },
          429: errorRef,
          ...unavailable,
        },
      },
    },
    async (request, reply) => {
      const result = await login(deps, request.body.email, request.body.password, clientOf(request));
      void reply.header('Cache-Control', noStore);
      return reply.send('mfa_required' in result ? result : cookies.deliver(reply, result));
    },
  );
}

function postLoginMfa(
  app: FastifyInstance,
  { pairSchema, unavailable, deps, noStore, cookies }: Shared,
): void {
  app.post<{ Body: { mfa_token: string; code: string } }>(
    '/auth/login/mfa',
    {
      schema: {
        tags: ['auth'],
        summary: 'Second login step: the mfa_token of the password step and a TOTP code or a recovery code',
        body: mfaLoginBody,
        response: {
          200: pairSchema,
          400: errorRef,
          401: {
            ...errorRef,
            description: '`invalid_code`: a wrong or used code, or an unknown or expired mfa_token',
          },
          429: errorRef,
          ...unavailable,
        },
      },
    },
    async (request, reply) => {
      const pair = await completeMfaLogin(deps, request.body.mfa_token, request.body.code, clientOf(request));
      return reply.header('Cache-Control', noStore).send(cookies.deliver(reply, pair));
    },
  );
}

function postRefresh(
  app: FastifyInstance,
  { cookies, pairSchema, unavailable, noStore, deps }: Shared,
): void {
  app.post<{ Body: { refresh_token: string } | undefined }>(
    '/auth/refresh',
    {
      schema: cookies.enabled
        ? {
            tags: ['auth'],
            summary: 'Rotate the refresh token of the cookie; reuse of an old one revokes the session',
            description:
              'REFRESH_COOKIE is on: the refresh token is read from the cookie (send no body) and the new one is set in it. ' +
              'The request must carry an allowed Origin (403 `origin_not_allowed` otherwise).',
            security: cookieSecurity,
            response: { 200: pairSchema, 401: errorRef, 403: errorRef, ...unavailable },
          }
        : {
            tags: ['auth'],
            summary: 'Rotate the refresh token; reuse of an old one revokes the session',
            body: {
              type: 'object',
              additionalProperties: false,
              required: ['refresh_token'],
              properties: { refresh_token: { type: 'string', minLength: 1, maxLength: 512 } },
            },
            response: { 200: pairSchema, 400: errorRef, 401: errorRef, ...unavailable },
          },
    },
    async (request, reply) => {
      void reply.header('Cache-Control', noStore);
      if (!cookies.enabled)
        return reply.send(await refresh(deps, request.body!.refresh_token, clientOf(request)));
      const token = cookies.read(request);
      try {
        return reply.send(cookies.deliver(reply, await refresh(deps, token, clientOf(request))));
      } catch (err) {
        // A refresh token that no longer works is of no use in the browser either.
        if (err instanceof InvalidGrantError) cookies.clear(reply);
        throw err;
      }
    },
  );
}

function postLogout(app: FastifyInstance, { cookies, logoutAuth, bearer, unavailable, deps }: Shared): void {
  app.post(
    '/auth/logout',
    {
      preHandler: cookies.enabled ? logoutAuth : bearer,
      schema: {
        tags: ['auth'],
        summary: 'Revoke this session (access and refresh tokens die together)',
        ...(cookies.enabled
          ? {
              description:
                'With a Bearer access token, or (REFRESH_COOKIE is on) with the refresh cookie alone from an allowed Origin. Clears the cookie.',
            }
          : {}),
        security: cookies.enabled ? [...bearerSecurity, ...cookieSecurity] : bearerSecurity,
        response: {
          200: messageBody,
          401: errorRef,
          ...(cookies.enabled ? { 403: errorRef } : {}),
          ...unavailable,
        },
      },
    },
    async (request, reply) => {
      if (request.claims) await logout(deps, claimsOf(request), clientOf(request));
      else await revoke(deps, cookies.read(request), 'refresh_token', clientOf(request));
      cookies.clear(reply);
      return reply.send({ message: 'Logged out' });
    },
  );
}

function postLogoutAll(app: FastifyInstance, { bearer, unavailable, deps, cookies }: Shared): void {
  app.post(
    '/auth/logout-all',
    {
      preHandler: bearer,
      schema: {
        tags: ['auth'],
        summary: "Revoke every session of the token's user",
        security: bearerSecurity,
        response: {
          200: { type: 'object', required: ['revoked'], properties: { revoked: { type: 'integer' } } },
          401: errorRef,
          ...unavailable,
        },
      },
    },
    async (request, reply) => {
      const revoked = await logoutAll(deps, claimsOf(request), clientOf(request));
      cookies.clear(reply);
      return reply.send({ revoked });
    },
  );
}

/** The routes, registered in this order. */
const ROUTES: readonly ((app: FastifyInstance, shared: Shared) => void)[] = [
  postRegister,
  postLogin,
  postLoginMfa,
  postRefresh,
  postLogout,
  postLogoutAll,
];

export function authRoutes(ctx: AppContext) {
  return async (app: FastifyInstance): Promise<void> => {
    const group = await shared(ctx, app);
    for (const route of ROUTES) route(app, group);
  };
}
