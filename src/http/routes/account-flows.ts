/**
 * POST /auth/password-reset/request, /auth/password-reset, /auth/email-verification/request,
 * /auth/email-verification and /auth/mfa/totp/{setup,enable,disable}. (The second login
 * step, /auth/login/mfa, is with login in auth.ts.)
 */
import type { FastifyInstance } from 'fastify';
import { confirmEmailVerification, requestEmailVerification } from '../../flows/recovery/verification.js';
import { disableTotp, enableTotp, setupTotp } from '../../flows/factors/totp.js';
import { requestPasswordReset, resetPassword } from '../../flows/recovery/reset.js';
import type { AppContext } from '../context.js';
import { claimsOf, clientOf, requireSession } from '../guards.js';
import {
  acceptedBody,
  codeBody,
  emailBody,
  recoveryCodesBody,
  resetBody,
  resetResultBody,
  tokenBody,
  totpSetupBody,
  verifiedBody,
} from '../schemas/account-flows.js';
import { bearerSecurity, errorRef, messageBody } from '../schemas/common.js';
import { stepUpResponse } from './credentials.js';

const ACCEPTED = 'If the address has an account, a link is on its way';

/** What the routes of this group share. */
function shared(ctx: AppContext) {
  const { deps } = ctx;
  const bearer = { preHandler: requireSession(ctx.deps) };
  const unavailable = { 503: errorRef };
  const disabled = {
    403: { ...errorRef, description: '`feature_disabled`: this server sends no mail (no SMTP_URL)' },
  };

  const totpOff = {
    403: { ...errorRef, description: '`feature_disabled`: TOTP is off on this server (no SECRETS_KEY)' },
  };
  const unverified = {
    403: {
      ...errorRef,
      description:
        "`feature_disabled`: TOTP is off on this server (no SECRETS_KEY). `email_not_verified`: the account's address is not verified yet",
    },
  };
  return { ctx, deps, bearer, unavailable, disabled, totpOff, unverified };
}
type Shared = ReturnType<typeof shared>;

function postPasswordResetRequest(app: FastifyInstance, { disabled, unavailable, deps }: Shared): void {
  app.post<{ Body: { email: string } }>(
    '/auth/password-reset/request',
    {
      schema: {
        tags: ['account recovery'],
        summary: 'Mail a single-use password-reset link',
        description:
          'Answers 202 with the same body, in the same time, whether or not the email has an account. ' +
          'Limited per email and per client address (429 + Retry-After).',
        body: emailBody,
        response: { 202: acceptedBody, 400: errorRef, ...disabled, 429: errorRef, ...unavailable },
      },
    },
    async (request, reply) => {
      await requestPasswordReset(deps, request.body.email, clientOf(request));
      return reply.code(202).send({ message: ACCEPTED });
    },
  );
}

function postPasswordReset(app: FastifyInstance, { ctx, unavailable, deps }: Shared): void {
  app.post<{ Body: { token: string; new_password: string; keep_factors?: boolean } }>(
    '/auth/password-reset',
    {
      schema: {
        tags: ['account recovery'],
        summary:
          'Set a new password with the token of a reset link; every session of the account ends and, unless keep_factors, every passkey and TOTP is removed',
        body: resetBody(ctx.config.passwordMaxLength),
        response: {
          200: resetResultBody,
          400: {
            ...errorRef,
            description:
              '`invalid_grant`: the link is invalid, expired or used. `weak_password` or `invalid_request`: the new password was refused (the link stays usable).',
          },
          ...unavailable,
        },
      },
    },
    async (request) =>
      resetPassword(deps, request.body.token, request.body.new_password, clientOf(request), {
        keepFactors: request.body.keep_factors === true,
      }),
  );
}

function postEmailVerificationRequest(
  app: FastifyInstance,
  { bearer, disabled, unavailable, deps }: Shared,
): void {
  app.post(
    '/auth/email-verification/request',
    {
      ...bearer,
      schema: {
        tags: ['account recovery'],
        summary: "Mail a link that verifies the caller's email (nothing is sent when it is verified)",
        security: bearerSecurity,
        response: { 202: acceptedBody, 401: errorRef, ...disabled, 429: errorRef, ...unavailable },
      },
    },
    async (request, reply) => {
      await requestEmailVerification(deps, claimsOf(request));
      return reply
        .code(202)
        .send({ message: 'A verification link is on its way, unless the address is verified' });
    },
  );
}

function postEmailVerification(app: FastifyInstance, { unavailable, deps }: Shared): void {
  app.post<{ Body: { token: string } }>(
    '/auth/email-verification',
    {
      schema: {
        tags: ['account recovery'],
        summary:
          'Mark the email verified with the token of a verification link, or move the account to the new address of an email-change link',
        body: tokenBody,
        response: {
          200: verifiedBody,
          400: errorRef,
          409: {
            ...errorRef,
            description: '`email_taken`: an email-change link whose address another account took meanwhile',
          },
          ...unavailable,
        },
      },
    },
    async (request) => confirmEmailVerification(deps, request.body.token, clientOf(request)),
  );
}

function postMfaTotpSetup(app: FastifyInstance, { bearer, unverified, unavailable, deps }: Shared): void {
  app.post(
    '/auth/mfa/totp/setup',
    {
      ...bearer,
      schema: {
        tags: ['two-factor'],
        summary:
          'A new TOTP secret (RFC 6238), not in force until enabled with a first code (needs a recent sign-in and a verified email)',
        security: bearerSecurity,
        response: {
          200: totpSetupBody,
          401: stepUpResponse,
          ...unverified,
          409: { ...errorRef, description: '`mfa_already_enabled`' },
          ...unavailable,
        },
      },
    },
    async (request, reply) =>
      reply.header('Cache-Control', 'no-store').send(await setupTotp(deps, claimsOf(request))),
  );
}

function postMfaTotpEnable(app: FastifyInstance, { bearer, unverified, unavailable, deps }: Shared): void {
  app.post<{ Body: { code: string } }>(
    '/auth/mfa/totp/enable',
    {
      ...bearer,
      schema: {
        tags: ['two-factor'],
        summary:
          'Turn TOTP on with a first code; answers ten recovery codes, shown this once (needs a recent sign-in and a verified email)',
        security: bearerSecurity,
        body: codeBody,
        response: {
          200: recoveryCodesBody,
          400: { ...errorRef, description: '`invalid_code`' },
          401: stepUpResponse,
          ...unverified,
          409: { ...errorRef, description: '`mfa_already_enabled`, or `mfa_not_enabled` (no setup yet)' },
          429: errorRef,
          ...unavailable,
        },
      },
    },
    async (request, reply) =>
      reply
        .header('Cache-Control', 'no-store')
        .send(await enableTotp(deps, claimsOf(request), request.body.code, clientOf(request))),
  );
}

function postMfaTotpDisable(app: FastifyInstance, { bearer, totpOff, unavailable, deps }: Shared): void {
  app.post<{ Body: { code: string } }>(
    '/auth/mfa/totp/disable',
    {
      ...bearer,
      schema: {
        tags: ['two-factor'],
        summary: 'Turn TOTP off with a TOTP code or a recovery code',
        security: bearerSecurity,
        body: codeBody,
        response: {
          200: messageBody,
          400: { ...errorRef, description: '`invalid_code`' },
          401: errorRef,
          ...totpOff,
          409: { ...errorRef, description: '`mfa_not_enabled`' },
          429: errorRef,
          ...unavailable,
        },
      },
    },
    async (request) => {
      await disableTotp(deps, claimsOf(request), request.body.code, clientOf(request));
      return { message: 'Two-factor login is off' };
    },
  );
}

/** The routes, registered in this order. */
const ROUTES: readonly ((app: FastifyInstance, shared: Shared) => void)[] = [
  postPasswordResetRequest,
  postPasswordReset,
  postEmailVerificationRequest,
  postEmailVerification,
  postMfaTotpSetup,
  postMfaTotpEnable,
  postMfaTotpDisable,
];

export function accountFlowRoutes(ctx: AppContext) {
  return async (app: FastifyInstance): Promise<void> => {
    const group = shared(ctx);
    for (const route of ROUTES) route(app, group);
  };
}
