/** POST /auth/register, /auth/login, /auth/refresh, /auth/logout, /auth/logout-all, /auth/revoke. */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { claimsOf, clientOf, requireSession } from '../guards.js';
import { bearerSecurity, credentials, errorRef, messageBody, tokenPair } from '../schemas/common.js';

interface Credentials {
  email: string;
  password: string;
}

export function authRoutes(ctx: AppContext) {
  return async (app: FastifyInstance): Promise<void> => {
    const maxPassword = Math.max(ctx.config.passwordMaxLength, 1024);
    const bearer = requireSession(ctx.auth);
    const unavailable = { 503: errorRef };

    app.post<{ Body: Credentials }>(
      '/auth/register',
      {
        schema: {
          tags: ['auth'],
          summary: 'Create a user',
          body: credentials(maxPassword),
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
        const user = await ctx.auth.register(request.body.email, request.body.password, clientOf(request));
        return reply.code(201).send(user);
      },
    );

    app.post<{ Body: Credentials }>(
      '/auth/login',
      {
        schema: {
          tags: ['auth'],
          summary: 'Check a password and open a session',
          body: credentials(maxPassword),
          response: { 200: tokenPair, 400: errorRef, 401: errorRef, 429: errorRef, ...unavailable },
        },
      },
      async (request) => ctx.auth.login(request.body.email, request.body.password, clientOf(request)),
    );

    app.post<{ Body: { refresh_token: string } }>(
      '/auth/refresh',
      {
        schema: {
          tags: ['auth'],
          summary: 'Rotate the refresh token; reuse of an old one revokes the session',
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['refresh_token'],
            properties: { refresh_token: { type: 'string', minLength: 1, maxLength: 512 } },
          },
          response: { 200: tokenPair, 400: errorRef, 401: errorRef, ...unavailable },
        },
      },
      async (request) => ctx.auth.refresh(request.body.refresh_token),
    );

    app.post(
      '/auth/logout',
      {
        preHandler: bearer,
        schema: {
          tags: ['auth'],
          summary: 'Revoke this session (access and refresh tokens die together)',
          security: bearerSecurity,
          response: { 200: messageBody, 401: errorRef, ...unavailable },
        },
      },
      async (request) => {
        await ctx.auth.logout(claimsOf(request));
        return { message: 'Logged out' };
      },
    );

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
      async (request) => ({ revoked: await ctx.auth.logoutAll(claimsOf(request)) }),
    );

    app.post<{ Body: { token: string; token_type_hint?: string } }>(
      '/auth/revoke',
      {
        schema: {
          tags: ['auth'],
          summary: 'RFC 7009 token revocation (200 even for unknown tokens)',
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['token'],
            properties: {
              token: { type: 'string', minLength: 1, maxLength: 4096 },
              token_type_hint: { type: 'string', enum: ['access_token', 'refresh_token'] },
            },
          },
          response: { 200: messageBody, 400: errorRef, ...unavailable },
        },
      },
      async (request) => {
        await ctx.auth.revoke(request.body.token, request.body.token_type_hint);
        return { message: 'Token revoked' };
      },
    );
  };
}
