/**
 * POST /auth/reauthenticate (a fresh proof of identity for credential changes),
 * POST /auth/mfa/recovery-codes (new recovery codes) and POST /auth/email (a new email
 * address, confirmed through a link sent to it). See src/flows/shared/step-up.ts.
 */
import type { FastifyInstance } from 'fastify';
import { requestEmailChange } from '../../flows/settings/email.js';
import { regenerateRecoveryCodes } from '../../flows/factors/totp.js';
import { reauthenticate } from '../../flows/sessions/reauthenticate.js';
import type { AppContext } from '../context.js';
import { claimsOf, clientOf, requireSession } from '../guards.js';
import {
  acceptedBody,
  emailBody,
  reauthBody,
  reauthenticatedBody,
  recoveryCodesBody,
} from '../schemas/account-flows.js';
import { bearerSecurity, errorRef } from '../schemas/common.js';

const error = (description: string) => ({ ...errorRef, description });

/** The 401 of every route that needs a recent sign-in. */
export const stepUpResponse = error(
  '`invalid_token`: no valid access token of a live session. `reauthentication_required`: the last sign-in or re-authentication of this token is older than REAUTH_MAX_AGE (POST /auth/reauthenticate, then retry with the new token)',
);

/** What the routes of this group share. */
function shared(ctx: AppContext) {
  const { deps } = ctx;
  // Authentication first: a caller without a session learns nothing from body validation.
  const bearer = { preValidation: requireSession(ctx.deps) };
  const unavailable = { 503: errorRef };
  return { ctx, deps, bearer, unavailable };
}
type Shared = ReturnType<typeof shared>;

function postReauthenticate(app: FastifyInstance, { ctx, unavailable, deps }: Shared): void {
  app.post<{ Body: { password?: string; code?: string } }>(
    '/auth/reauthenticate',
    {
      preValidation: [
        requireSession(ctx.deps),
        // A POST without a body is an empty proof (answered 400 by the operation).
        async (request) => {
          if (request.body === undefined || request.body === null) request.body = {};
        },
      ],
      schema: {
        tags: ['auth'],
        summary:
          'Prove again who you are, for a credential change: a new access token with a fresh auth_time',
        description:
          'Send what a sign-in needs: `password`, plus `code` (a TOTP or recovery code) when two-factor login is on; `code` alone for an account without a password. ' +
          'Passkey-only accounts sign in again with a passkey instead. Wrong passwords count against the login limits, wrong codes against the code limit.',
        security: bearerSecurity,
        body: reauthBody(Math.max(ctx.config.passwordMaxLength, 1024)),
        response: {
          200: reauthenticatedBody,
          400: error('`invalid_request`: a malformed body, or a proof this account cannot use'),
          401: error(
            '`invalid_token`: no valid access token of a live session. `invalid_credentials`: a wrong password. `invalid_code`: a wrong, used or missing code',
          ),
          429: error('`too_many_attempts`: the login or code limit is reached (`Retry-After`)'),
          ...unavailable,
        },
      },
    },
    async (request, reply) => {
      const result = await reauthenticate(deps, claimsOf(request), request.body, clientOf(request));
      return reply.header('Cache-Control', 'no-store').send(result);
    },
  );
}

function postMfaRecoveryCodes(app: FastifyInstance, { bearer, unavailable, deps }: Shared): void {
  app.post(
    '/auth/mfa/recovery-codes',
    {
      ...bearer,
      schema: {
        tags: ['two-factor'],
        summary: 'Ten new recovery codes in place of the old ones (needs a recent sign-in)',
        security: bearerSecurity,
        response: {
          200: recoveryCodesBody,
          401: stepUpResponse,
          403: error('`feature_disabled`: TOTP is off on this server (no SECRETS_KEY)'),
          409: error('`mfa_not_enabled`: TOTP is not on'),
          ...unavailable,
        },
      },
    },
    async (request, reply) =>
      reply
        .header('Cache-Control', 'no-store')
        .send(await regenerateRecoveryCodes(deps, claimsOf(request), clientOf(request))),
  );
}

function postEmail(app: FastifyInstance, { bearer, unavailable, deps }: Shared): void {
  app.post<{ Body: { email: string } }>(
    '/auth/email',
    {
      ...bearer,
      schema: {
        tags: ['account'],
        summary:
          'Change the email address: a link goes to the new address; the change happens when it is used',
        description:
          'Needs a recent sign-in. The link opens the email verification page, which posts its token to POST /auth/email-verification; the current address is told at once. ' +
          'Requests share the verification limit of the account (5 an hour).',
        security: bearerSecurity,
        body: emailBody,
        response: {
          202: acceptedBody,
          400: error('`invalid_request`: a malformed body or email, or the current address'),
          401: stepUpResponse,
          403: error('`feature_disabled`: this server sends no mail (no SMTP_URL)'),
          409: error('`email_taken`: another account has this address'),
          429: error('`too_many_attempts`: too many verification mails for this account (`Retry-After`)'),
          ...unavailable,
        },
      },
    },
    async (request, reply) => {
      await requestEmailChange(deps, claimsOf(request), request.body.email, clientOf(request));
      return reply.code(202).send({ message: 'A confirmation link is on its way to the new address' });
    },
  );
}

/** The routes, registered in this order. */
const ROUTES: readonly ((app: FastifyInstance, shared: Shared) => void)[] = [
  postReauthenticate,
  postMfaRecoveryCodes,
  postEmail,
];

export function credentialRoutes(ctx: AppContext) {
  return async (app: FastifyInstance): Promise<void> => {
    const group = shared(ctx);
    for (const route of ROUTES) route(app, group);
  };
}
