/**
 * /admin/users (with /admin/users/:id/factors) and /admin/audit: administration, for access tokens of enabled accounts
 * with the `admin` role (re-checked in the database on every call; 403 `forbidden`).
 * A refused call (401, 403) is counted and tallied into one `admin_refused` audit row
 * per address per window; every read is audited (`admin_read`) with the administrator,
 * the address and the User-Agent; the changes audit themselves (src/flows/admin/).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { adminActor, requireAdmin } from '../../flows/admin/actor.js';
import { deleteUser, getUser, logoutAllOf, searchUsers, setDisabled } from '../../flows/admin/accounts.js';
import { readAuditLog } from '../../flows/admin/audit-log.js';
import { factorsOf, removeFactor } from '../../flows/admin/factors.js';
import type { Account } from '../../persistence/directory/user-directory.js';
import { TollgateError } from '../../errors.js';
import type { AppContext } from '../context.js';
import { claimsOf, clientOf, requireSession } from '../guards.js';
import {
  accountBody,
  auditListBody,
  auditQuery,
  factorParams,
  factorsBody,
  removedFactorsBody,
  revokedBody,
  userIdParams,
  userListBody,
  userSearchQuery,
} from '../schemas/accounts.js';
import { bearerSecurity, errorRef } from '../schemas/common.js';

declare module 'fastify' {
  interface FastifyRequest {
    admin: Account | undefined;
  }
}

/** What the routes of this group share. */
async function shared(ctx: AppContext, app: FastifyInstance) {
  const { deps } = ctx;
  app.decorateRequest('admin', undefined);
  const session = requireSession(deps);
  const guard = {
    preHandler: async (request: FastifyRequest) => {
      try {
        await session(request);
        request.admin = await requireAdmin(deps, claimsOf(request));
      } catch (err) {
        if (err instanceof TollgateError && (err.statusCode === 401 || err.statusCode === 403)) {
          const client = clientOf(request);
          void deps.events.record('admin_refused', {
            ip: client.ip,
            userAgent: client.userAgent,
            what: `${err.statusCode} ${request.method} ${request.routeOptions.url ?? ''}`,
            ...(request.claims ? { subject: request.claims.sub } : {}),
          });
        }
        throw err;
      }
    },
  };
  const actorOf = (request: FastifyRequest) => adminActor(request.admin!, clientOf(request));
  /** An administrator read something: who, from where, and what. */
  const read = (request: FastifyRequest, detail: Record<string, unknown>): Promise<void> => {
    const client = clientOf(request);
    return deps.events.record('admin_read', {
      userId: null,
      actorId: request.admin!.id,
      ip: client.ip,
      userAgent: client.userAgent,
      detail: { route: request.routeOptions.url, ...detail },
    });
  };
  const failures = { 401: errorRef, 403: errorRef, 503: errorRef };
  const one = { security: bearerSecurity, params: userIdParams };
  return { ctx, deps, session, guard, actorOf, read, failures, one };
}
type Shared = Awaited<ReturnType<typeof shared>>;

function getUsers(app: FastifyInstance, { guard, failures, read, deps }: Shared): void {
  app.get<{ Querystring: { q?: string; cursor?: string; limit?: string } }>(
    '/admin/users',
    {
      ...guard,
      schema: {
        tags: ['admin'],
        summary: 'Search accounts by email, a page at a time',
        security: bearerSecurity,
        querystring: userSearchQuery,
        response: { 200: userListBody, 400: errorRef, ...failures },
      },
    },
    async (request) => {
      await read(request, { ...(request.query.q ? { q: request.query.q } : {}) });
      return searchUsers(deps, { ...request.query, limit: Number(request.query.limit ?? 50) });
    },
  );
}

function getUsersById(app: FastifyInstance, { guard, one, failures, read, deps }: Shared): void {
  app.get<{ Params: { id: string } }>(
    '/admin/users/:id',
    {
      ...guard,
      schema: {
        tags: ['admin'],
        summary: 'One account with its live session count',
        ...one,
        response: { 200: accountBody, 404: errorRef, ...failures },
      },
    },
    async (request) => {
      await read(request, { user_id: request.params.id });
      return getUser(deps, request.params.id);
    },
  );
}

function postUsersByIdAction(app: FastifyInstance, { guard, one, failures, deps, actorOf }: Shared): void {
  for (const [action, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    app.post<{ Params: { id: string } }>(
      `/admin/users/:id/${action}`,
      {
        ...guard,
        schema: {
          tags: ['admin'],
          summary: disabled
            ? 'Disable an account: its sessions end at once, and login answers 403 account_disabled'
            : 'Enable a disabled account',
          ...one,
          response: { 200: accountBody, 400: errorRef, 404: errorRef, ...failures },
        },
      },
      async (request) => setDisabled(deps, actorOf(request), request.params.id, disabled),
    );
  }
}

function postUsersByIdLogoutAll(app: FastifyInstance, { guard, one, failures, deps, actorOf }: Shared): void {
  app.post<{ Params: { id: string } }>(
    '/admin/users/:id/logout-all',
    {
      ...guard,
      schema: {
        tags: ['admin'],
        summary: 'End every session of an account',
        ...one,
        response: { 200: revokedBody, 404: errorRef, ...failures },
      },
    },
    async (request) => logoutAllOf(deps, actorOf(request), request.params.id),
  );
}

function deleteUsersById(app: FastifyInstance, { guard, one, failures, deps, actorOf }: Shared): void {
  app.delete<{ Params: { id: string } }>(
    '/admin/users/:id',
    {
      ...guard,
      schema: {
        tags: ['admin'],
        summary: 'Delete an account and every session of it',
        ...one,
        response: { 204: { type: 'null' }, 400: errorRef, 404: errorRef, ...failures },
      },
    },
    async (request, reply) => {
      await deleteUser(deps, actorOf(request), request.params.id);
      return reply.code(204).send();
    },
  );
}

function getUsersByIdFactors(app: FastifyInstance, { guard, one, failures, deps, actorOf }: Shared): void {
  app.get<{ Params: { id: string } }>(
    '/admin/users/:id/factors',
    {
      ...guard,
      schema: {
        tags: ['admin'],
        summary: "An account's sign-in factors: its passkeys and TOTP (audited)",
        ...one,
        response: { 200: factorsBody, 400: errorRef, 404: errorRef, ...failures },
      },
    },
    async (request) => factorsOf(deps, actorOf(request), request.params.id),
  );
}

function deleteUsersByIdFactorsByFactor(
  app: FastifyInstance,
  { guard, failures, deps, actorOf }: Shared,
): void {
  app.delete<{ Params: { id: string; factor: string } }>(
    '/admin/users/:id/factors/:factor',
    {
      ...guard,
      schema: {
        tags: ['admin'],
        summary:
          'Remove sign-in factors of an account: `totp`, `passkeys` (all), `all`, or one passkey id (audited; the owner is mailed)',
        security: bearerSecurity,
        params: factorParams,
        response: { 200: removedFactorsBody, 400: errorRef, 404: errorRef, ...failures },
      },
    },
    async (request) => removeFactor(deps, actorOf(request), request.params.id, request.params.factor),
  );
}

function getAudit(app: FastifyInstance, { guard, failures, read, deps }: Shared): void {
  app.get<{ Querystring: { user_id?: string; type?: string; cursor?: string; limit?: string } }>(
    '/admin/audit',
    {
      ...guard,
      schema: {
        tags: ['admin'],
        summary: 'Security events, newest first',
        security: bearerSecurity,
        querystring: auditQuery,
        response: { 200: auditListBody, 400: errorRef, ...failures },
      },
    },
    async (request) => {
      await read(request, {
        ...(request.query.user_id ? { user_id: request.query.user_id } : {}),
        ...(request.query.type ? { type: request.query.type } : {}),
      });
      return readAuditLog(deps, {
        ...(request.query.user_id ? { userId: request.query.user_id } : {}),
        ...(request.query.type ? { type: request.query.type } : {}),
        ...(request.query.cursor ? { cursor: request.query.cursor } : {}),
        limit: Number(request.query.limit ?? 50),
      });
    },
  );
}

/** The routes, registered in this order. */
const ROUTES: readonly ((app: FastifyInstance, shared: Shared) => void)[] = [
  getUsers,
  getUsersById,
  postUsersByIdAction,
  postUsersByIdLogoutAll,
  deleteUsersById,
  getUsersByIdFactors,
  deleteUsersByIdFactorsByFactor,
  getAudit,
];

export function adminRoutes(ctx: AppContext) {
  return async (app: FastifyInstance): Promise<void> => {
    const group = await shared(ctx, app);
    for (const route of ROUTES) route(app, group);
  };
}
