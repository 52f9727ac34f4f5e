/**
 * The OAuth endpoints other services use: RFC 8414 metadata, RFC 7662 introspection
 * (for the resource servers of INTROSPECTION_CLIENTS, HTTP Basic client auth) and RFC
 * 7009 revocation. Introspection and revocation take form bodies as their RFCs define,
 * and JSON; they live in their own scope so that no other route accepts a form.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ClientCredentials } from '../../auth/client-credentials.js';
import { InvalidClientError } from '../../errors.js';
import { introspect } from '../../flows/sessions/introspect.js';
import { revoke } from '../../flows/sessions/revoke.js';
import { basicCredentialsOf } from '../basic-auth.js';
import { clientOf } from '../guards.js';
import type { AppContext } from '../context.js';
import { acceptFormBodies, FORM } from '../form-body.js';
import { errorRef, messageBody } from '../schemas/common.js';

const BOTH_BODIES = ['application/json', FORM];
const basicSecurity = [{ clientBasic: [] }];

/** Metadata changes only with a deployment: cached for an hour. */
const METADATA_CACHE = 'public, max-age=3600';

const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;

const introspection = {
  type: 'object',
  required: ['active'],
  description: '`{active: false}` alone for any token that is not alive',
  properties: {
    active: { type: 'boolean' },
    sub: str,
    sid: str,
    email: str,
    iss: str,
    aud: { anyOf: [str, { type: 'array', items: str }] },
    exp: int,
    iat: int,
    jti: str,
    token_type: { type: 'string', enum: ['Bearer'] },
  },
} as const;

const metadata = {
  type: 'object',
  required: ['issuer', 'jwks_uri', 'introspection_endpoint', 'revocation_endpoint'],
  properties: {
    issuer: str,
    jwks_uri: str,
    introspection_endpoint: str,
    introspection_endpoint_auth_methods_supported: { type: 'array', items: str },
    revocation_endpoint: str,
    revocation_endpoint_auth_methods_supported: { type: 'array', items: str },
    service_documentation: str,
  },
} as const;

/** What the routes of this group share. */
function shared(ctx: AppContext, app: FastifyInstance) {
  const base = ctx.config.publicUrl;
  const document = Object.freeze({
    issuer: ctx.config.jwt.issuer,
    jwks_uri: `${base}/.well-known/jwks.json`,
    introspection_endpoint: `${base}/oauth/introspect`,
    introspection_endpoint_auth_methods_supported: ['client_secret_basic'],
    revocation_endpoint: `${base}/auth/revoke`,
    revocation_endpoint_auth_methods_supported: ['none'],
    // The human-readable docs, where they are served (DOCS).
    ...(ctx.config.docs ? { service_documentation: `${base}/docs` } : {}),
  });
  const clients = new ClientCredentials(ctx.config.introspectionClients);

  /** Before the body is even read: only configured clients get further. */
  const requireClient = async (request: FastifyRequest): Promise<void> => {
    const credentials = basicCredentialsOf(request);
    if (!credentials) throw new InvalidClientError('Authenticate the client with HTTP Basic');
    if (!clients.verify(credentials.id, credentials.secret)) {
      // A known client with a wrong secret is a misconfigured service: worth an operator's look.
      if (clients.has(credentials.id)) {
        request.log.warn({ client_id: credentials.id }, 'introspection client sent a wrong secret');
      }
      throw new InvalidClientError();
    }
  };

  acceptFormBodies(app);
  return { ctx, base, document, clients, requireClient };
}
type Shared = ReturnType<typeof shared>;

function getWellKnownOauthAuthorizationServer(app: FastifyInstance, { document }: Shared): void {
  app.get(
    '/.well-known/oauth-authorization-server',
    {
      schema: {
        tags: ['oauth'],
        summary: 'Authorization server metadata (RFC 8414): issuer, key set, introspection and revocation',
        response: { 200: metadata },
      },
    },
    async (_request, reply) => reply.header('Cache-Control', METADATA_CACHE).send(document),
  );
}

function postOauthIntrospect(app: FastifyInstance, { requireClient, ctx }: Shared): void {
  app.post<{ Body: { token: string; token_type_hint?: string } }>(
    '/oauth/introspect',
    {
      onRequest: requireClient,
      schema: {
        tags: ['oauth'],
        summary: 'Token introspection (RFC 7662) for resource servers: active only while the session lives',
        description:
          'HTTP Basic client authentication with a client of INTROSPECTION_CLIENTS (id and secret each form-urlencoded first, RFC 6749 §2.3.1). ' +
          'Answers `active: true` with the claims only when the access token verifies and its session is alive; `{active: false}` otherwise. ' +
          'When the session store cannot answer: 503, never `active: true`.',
        security: basicSecurity,
        consumes: BOTH_BODIES,
        body: {
          type: 'object',
          required: ['token'],
          properties: {
            token: { type: 'string', minLength: 1, maxLength: 8192 },
            token_type_hint: { type: 'string', maxLength: 64 },
          },
        },
        response: { 200: introspection, 400: errorRef, 401: errorRef, 503: errorRef },
      },
    },
    async (request, reply) =>
      reply.header('Cache-Control', 'no-store').send(await introspect(ctx.deps, request.body.token)),
  );
}

function postRevoke(app: FastifyInstance, { ctx }: Shared): void {
  app.post<{ Body: { token: string; token_type_hint?: string } }>(
    '/auth/revoke',
    {
      schema: {
        tags: ['auth'],
        summary: 'Token revocation (RFC 7009): ends the session of an access or refresh token',
        description:
          '200 even for unknown tokens. The hint only orders the lookup. A form body (as the RFC defines) or JSON.',
        consumes: BOTH_BODIES,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['token'],
          properties: {
            token: { type: 'string', minLength: 1, maxLength: 4096 },
            token_type_hint: { type: 'string', enum: ['access_token', 'refresh_token'] },
            client_id: { type: 'string', maxLength: 128, description: 'accepted and ignored' },
          },
        },
        response: { 200: messageBody, 400: errorRef, 503: errorRef },
      },
    },
    async (request, reply) => {
      await revoke(ctx.deps, request.body.token, request.body.token_type_hint, clientOf(request));
      return reply.header('Cache-Control', 'no-store').send({ message: 'Token revoked' });
    },
  );
}

/** The routes, registered in this order. */
const ROUTES: readonly ((app: FastifyInstance, shared: Shared) => void)[] = [
  getWellKnownOauthAuthorizationServer,
  postOauthIntrospect,
  postRevoke,
];

export function oauthRoutes(ctx: AppContext) {
  return async (app: FastifyInstance): Promise<void> => {
    const group = shared(ctx, app);
    for (const route of ROUTES) route(app, group);
  };
}
