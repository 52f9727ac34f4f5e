/**
 * Passkeys (WebAuthn): register one to the caller's account (options, then verify),
 * list and remove them, and sign in with one (options, then verify) without a
 * password. The ceremonies are in src/flows/login/ and src/flows/factors/; see docs/passkeys.md for
 * the browser side.
 */
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { FastifyInstance } from 'fastify';
import { listPasskeys } from '../../flows/factors/passkey-list.js';
import { passkeyLogin } from '../../flows/login/passkey.js';
import { loginOptions } from '../../flows/login/passkey-options.js';
import { registerPasskey } from '../../flows/factors/passkey-register.js';
import { registrationOptions } from '../../flows/factors/passkey-options.js';
import { removePasskey } from '../../flows/factors/passkey-remove.js';
import type { AppContext } from '../context.js';
import { claimsOf, clientOf, requireSession } from '../guards.js';
import { refreshCookie } from '../refresh-cookie.js';
import { stepUpResponse } from './credentials.js';
import { bearerSecurity, errorRef } from '../schemas/common.js';
import {
  creationOptionsBody,
  loginOptionsBody,
  loginVerifyBody,
  passkeyIdParams,
  passkeysBody,
  registeredBody,
  registerVerifyBody,
  requestOptionsBody,
} from '../schemas/passkeys.js';

const tags = ['passkeys'];
const error = (description: string) => ({ ...errorRef, description });

/** What the routes of this group share. */
async function shared(ctx: AppContext, app: FastifyInstance) {
  const { deps } = ctx;
  // Authentication first: a caller without a session learns nothing from body validation.
  const bearer = { preValidation: requireSession(ctx.deps) };
  const cookies = refreshCookie(ctx.config);
  await cookies.register(app);
  const unauthorized = error('`invalid_token`: no valid access token of a live session');
  const unavailable = error('`unavailable`: the session store or the accounts database could not answer');
  const unverified = error("`email_not_verified`: the account's address is not verified yet");
  const locked = error('`too_many_attempts`: this address is over its login failure limit (`Retry-After`)');
  // Challenges and tokens must not be stored by any cache.
  const noStore = 'no-store';
  return { ctx, deps, bearer, cookies, unauthorized, unavailable, unverified, locked, noStore };
}
type Shared = Awaited<ReturnType<typeof shared>>;

function postPasskeysRegisterOptions(
  app: FastifyInstance,
  { bearer, unverified, unavailable, deps, noStore }: Shared,
): void {
  app.post(
    '/auth/passkeys/register/options',
    {
      ...bearer,
      schema: {
        tags,
        summary:
          'Options to create a passkey for the caller (challenge valid 5 minutes, once; needs a recent sign-in and a verified email)',
        security: bearerSecurity,
        response: { 200: creationOptionsBody, 401: stepUpResponse, 403: unverified, 503: unavailable },
      },
    },
    async (request, reply) => {
      const options = await registrationOptions(deps, claimsOf(request));
      return reply.header('Cache-Control', noStore).send(options);
    },
  );
}

function postPasskeysRegisterVerify(
  app: FastifyInstance,
  { bearer, unverified, unavailable, deps }: Shared,
): void {
  app.post<{ Body: { response: RegistrationResponseJSON; name?: string } }>(
    '/auth/passkeys/register/verify',
    {
      ...bearer,
      schema: {
        tags,
        summary: 'Store the passkey the browser created for the options',
        security: bearerSecurity,
        body: registerVerifyBody,
        response: {
          201: registeredBody,
          400: error(
            "`invalid_request`: a malformed body; a challenge unknown, expired, used or not the caller's; a credential that does not verify (origin, rp id, user verification) or is registered already",
          ),
          401: stepUpResponse,
          403: unverified,
          503: unavailable,
        },
      },
    },
    async (request, reply) => {
      const registered = await registerPasskey(
        deps,
        claimsOf(request),
        request.body.response,
        request.body.name,
        clientOf(request),
      );
      return reply.code(201).send(registered);
    },
  );
}

function getPasskeys(app: FastifyInstance, { bearer, unauthorized, unavailable, deps }: Shared): void {
  app.get(
    '/auth/passkeys',
    {
      ...bearer,
      schema: {
        tags,
        summary: "The caller's passkeys, oldest first",
        security: bearerSecurity,
        response: { 200: passkeysBody, 401: unauthorized, 503: unavailable },
      },
    },
    async (request) => ({ passkeys: await listPasskeys(deps, claimsOf(request)) }),
  );
}

function deletePasskeysById(app: FastifyInstance, { bearer, unavailable, deps }: Shared): void {
  app.delete<{ Params: { id: string } }>(
    '/auth/passkeys/:id',
    {
      ...bearer,
      schema: {
        tags,
        summary: "Remove one of the caller's passkeys (needs a recent sign-in)",
        security: bearerSecurity,
        params: passkeyIdParams,
        response: {
          204: { type: 'null', description: 'Removed' },
          400: error('`invalid_request`: a malformed id'),
          401: stepUpResponse,
          404: error('`not_found`: the caller has no passkey with this id'),
          409: error(
            '`last_sign_in_method`: the account has no password and no other passkey; removing this one would lock it out',
          ),
          503: unavailable,
        },
      },
    },
    async (request, reply) => {
      await removePasskey(deps, claimsOf(request), request.params.id, clientOf(request));
      return reply.code(204).send();
    },
  );
}

function postPasskeysLoginOptions(
  app: FastifyInstance,
  { locked, unavailable, deps, noStore }: Shared,
): void {
  app.post<{ Body: { email?: string } }>(
    '/auth/passkeys/login/options',
    {
      // A POST without a body means "no email".
      preValidation: async (request) => {
        if (request.body === undefined || request.body === null) request.body = {};
      },
      schema: {
        tags,
        summary:
          "Options to sign in with a passkey: any discoverable passkey, or the email's (challenge valid 5 minutes, once)",
        description:
          'The answer has the same shape whether or not the email has an account or passkeys, so it tells nothing about either.',
        body: loginOptionsBody,
        response: {
          200: requestOptionsBody,
          400: error('`invalid_request`: a malformed body or email'),
          429: locked,
          503: unavailable,
        },
      },
    },
    async (request, reply) => {
      const options = await loginOptions(deps, request.body.email, clientOf(request));
      return reply.header('Cache-Control', noStore).send(options);
    },
  );
}

function postPasskeysLoginVerify(
  app: FastifyInstance,
  { cookies, locked, unavailable, deps, noStore }: Shared,
): void {
  app.post<{ Body: { response: AuthenticationResponseJSON } }>(
    '/auth/passkeys/login/verify',
    {
      schema: {
        tags,
        summary: 'Sign in with a passkey (no password; counts as both factors): the same token pair as login',
        body: loginVerifyBody,
        response: {
          200: cookies.pairSchema,
          400: error('`invalid_request`: a malformed body'),
          401: error(
            '`invalid_credentials`: the assertion was not accepted (challenge unknown, expired or used; unknown credential; wrong origin or rp id; no user verification; bad signature; signature counter not moving forward)',
          ),
          403: error(
            '`account_disabled`: the passkey is right but the account is disabled. `email_not_verified`: REQUIRE_VERIFIED_EMAIL=on and the email is not verified',
          ),
          429: locked,
          503: unavailable,
        },
      },
    },
    async (request, reply) => {
      const pair = await passkeyLogin(deps, request.body.response, clientOf(request));
      return reply.header('Cache-Control', noStore).send(cookies.deliver(reply, pair));
    },
  );
}

/** The routes, registered in this order. */
const ROUTES: readonly ((app: FastifyInstance, shared: Shared) => void)[] = [
  postPasskeysRegisterOptions,
  postPasskeysRegisterVerify,
  getPasskeys,
  deletePasskeysById,
  postPasskeysLoginOptions,
  postPasskeysLoginVerify,
];

export function passkeyRoutes(ctx: AppContext) {
  return async (app: FastifyInstance): Promise<void> => {
    const group = await shared(ctx, app);
    for (const route of ROUTES) route(app, group);
  };
}
