/** GET /auth/me, GET /auth/sessions, DELETE /auth/sessions/:id, POST /auth/password, DELETE /auth/account. */
import type { FastifyInstance } from 'fastify';
import { deleteOwnAccount } from '../../flows/settings/deletion.js';
import { changePassword } from '../../flows/settings/password.js';
import { profile } from '../../flows/settings/profile.js';
import { endSession, listSessions } from '../../flows/sessions/list.js';
import type { AppContext } from '../context.js';
import { claimsOf, clientOf, requireSession } from '../guards.js';
import {
  changePasswordBody,
  passwordBody,
  profileBody,
  revokedBody,
  sessionIdParams,
  sessionsBody,
} from '../schemas/accounts.js';
import { bearerSecurity, errorRef } from '../schemas/common.js';

/** What the routes of this group share. */
function shared(ctx: AppContext) {
  const { deps } = ctx;
  const maxPassword = Math.max(ctx.config.passwordMaxLength, 1024);
  const common = { preHandler: requireSession(ctx.deps) };
  const failures = { 401: errorRef, 503: errorRef };
  return { ctx, deps, maxPassword, common, failures };
}
type Shared = ReturnType<typeof shared>;

function getMe(app: FastifyInstance, { common, failures, deps }: Shared): void {
  app.get(
    '/auth/me',
    {
      ...common,
      schema: {
        tags: ['account'],
        summary: "The caller's account",
        security: bearerSecurity,
        response: { 200: profileBody, ...failures },
      },
    },
    async (request) => profile(deps, claimsOf(request)),
  );
}

function getSessions(app: FastifyInstance, { common, failures, deps }: Shared): void {
  app.get(
    '/auth/sessions',
    {
      ...common,
      schema: {
        tags: ['account'],
        summary: "The caller's live sessions (`current` marks the one of this token)",
        security: bearerSecurity,
        response: { 200: sessionsBody, ...failures },
      },
    },
    async (request) => ({ sessions: await listSessions(deps, claimsOf(request)) }),
  );
}

function deleteSessionsById(app: FastifyInstance, { common, failures, deps }: Shared): void {
  app.delete<{ Params: { id: string } }>(
    '/auth/sessions/:id',
    {
      ...common,
      schema: {
        tags: ['account'],
        summary: "End one of the caller's sessions",
        security: bearerSecurity,
        params: sessionIdParams,
        response: { 204: { type: 'null' }, 400: errorRef, 404: errorRef, ...failures },
      },
    },
    async (request, reply) => {
      await endSession(deps, claimsOf(request), request.params.id, clientOf(request));
      return reply.code(204).send();
    },
  );
}

function postPassword(app: FastifyInstance, { common, maxPassword, ctx, failures, deps }: Shared): void {
  app.post<{ Body: { current_password: string; new_password: string } }>(
    '/auth/password',
    {
      ...common,
      schema: {
        tags: ['account'],
        summary: 'Change the password; every other session of the account ends',
        security: bearerSecurity,
        body: changePasswordBody(maxPassword, ctx.config.passwordMaxLength),
        response: { 200: revokedBody, 400: errorRef, 429: errorRef, ...failures },
      },
    },
    async (request) =>
      changePassword(
        deps,
        claimsOf(request),
        request.body.current_password,
        request.body.new_password,
        clientOf(request),
      ),
  );
}

function deleteAccount(app: FastifyInstance, { common, maxPassword, failures, deps }: Shared): void {
  app.delete<{ Body: { password: string } }>(
    '/auth/account',
    {
      ...common,
      schema: {
        tags: ['account'],
        summary: "Delete the caller's account and every session of it (password required)",
        security: bearerSecurity,
        body: passwordBody(maxPassword),
        response: { 204: { type: 'null' }, 400: errorRef, 429: errorRef, ...failures },
      },
    },
    async (request, reply) => {
      await deleteOwnAccount(deps, claimsOf(request), request.body.password, clientOf(request));
      return reply.code(204).send();
    },
  );
}

/** The routes, registered in this order. */
const ROUTES: readonly ((app: FastifyInstance, shared: Shared) => void)[] = [
  getMe,
  getSessions,
  deleteSessionsById,
  postPassword,
  deleteAccount,
];

export function accountRoutes(ctx: AppContext) {
  return async (app: FastifyInstance): Promise<void> => {
    const group = shared(ctx);
    for (const route of ROUTES) route(app, group);
  };
}
