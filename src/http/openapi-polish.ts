/**
 * Finishes the OpenAPI document generated from the route schemas, in one place, so that
 * every route (also those added later) is described the same way: an operationId from
 * the method and path, `security: []` on public operations, a description on every
 * response, `Retry-After` on 429/503 and `WWW-Authenticate` on bearer 401s, 413/415 and
 * a 400 on every operation, the error code enum from the catalogue, `servers`, a
 * licence, and request/response examples on the main routes.
 */
import { STATUS_CODES } from 'node:http';
import { ERROR_CODES } from '../errors.js';

type Json = Record<string, unknown>;

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

/** `POST /auth/password-reset/request` → `postAuthPasswordResetRequest`; `:id` → `ById`. */
export function operationIdOf(method: string, path: string): string {
  const words = path
    .split('/')
    .filter(Boolean)
    .flatMap((part) => {
      const param = /^\{(.+)\}$/.exec(part) ?? /^:(.+)$/.exec(part);
      return param ? ['by', ...param[1]!.split(/[^A-Za-z0-9]+/)] : part.split(/[^A-Za-z0-9]+/);
    })
    .filter(Boolean);
  const cap = (w: string): string => w.charAt(0).toUpperCase() + w.slice(1);
  return method.toLowerCase() + (words.length > 0 ? words.map(cap).join('') : 'Root');
}

const RETRY_AFTER = {
  description: 'Seconds to wait before trying again',
  schema: { type: 'integer', minimum: 1 },
};
const BEARER_CHALLENGE = {
  description: 'Bearer error="invalid_token" (RFC 6750)',
  schema: { type: 'string' },
};

/** What a status means for this API, where the route says nothing more specific. */
const STATUS_TEXT: Record<string, string> = {
  '200': 'OK',
  '201': 'Created',
  '202': 'Accepted',
  '204': 'No content',
  '400': '`invalid_request`: a malformed body, query, path or header',
  '401': 'Not authenticated (see the `error` code)',
  '403': 'Not allowed (see the `error` code)',
  '404': '`not_found`',
  '409': 'Conflict (see the `error` code)',
  '413': '`payload_too_large`: the body is over BODY_LIMIT_BYTES',
  '415': '`unsupported_media_type`: the body is not application/json',
  '429': '`too_many_attempts`: a limit was reached; retry after `Retry-After` seconds',
  '503': '`unavailable`, `overloaded` or `shutting_down`: retry after `Retry-After` seconds',
};

const errorResponse = (description: string): Json => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

/** Request and response examples of the main routes, by operationId. */
const EXAMPLES: Record<string, { request?: unknown; response?: [string, unknown] }> = {
  postAuthRegister: {
    request: { email: 'ada@example.com', password: 'correct horse battery staple' },
    response: ['201', { id: '0b6f8a52-6a3e-4c49-9a7e-2f0d6c1b9a10', email: 'ada@example.com' }],
  },
  postAuthLogin: {
    request: { email: 'ada@example.com', password: 'correct horse battery staple' },
    response: [
      '200',
      {
        access_token: 'eyJhbGciOiJFZERTQSIs…',
        refresh_token: 'rt1.…',
        token_type: 'bearer',
        expires_in: 900,
      },
    ],
  },
  postAuthLoginMfa: { request: { mfa_token: 'b8N…', code: '118553' } },
  postAuthRefresh: { request: { refresh_token: 'rt1.…' } },
  postAuthPasswordResetRequest: {
    request: { email: 'ada@example.com' },
    response: ['202', { message: 'If the address has an account, a link is on its way' }],
  },
  postAuthPasswordReset: {
    request: { token: 'q3T…', new_password: 'violet lantern orbit cascade 42' },
    response: ['200', { revoked: 2, factors_removed: { passkeys: 1, totp: true } }],
  },
  postAuthReauthenticate: {
    request: { password: 'correct horse battery staple' },
    response: [
      '200',
      { access_token: 'eyJ…', token_type: 'bearer', expires_in: 900, auth_time: 1767225600, amr: ['pwd'] },
    ],
  },
  postAuthEmailVerification: {
    request: { token: 'Zk1…' },
    response: ['200', { email: 'ada@example.com', email_verified: true }],
  },
  postAuthMfaTotpEnable: { request: { code: '492039' } },
  getApiProtected: {
    response: [
      '200',
      { message: 'Access granted', user: 'ada@example.com', timestamp: '2026-01-01T12:00:00.000Z' },
    ],
  },
  getAuthMe: {
    response: [
      '200',
      {
        id: '0b6f8a52-6a3e-4c49-9a7e-2f0d6c1b9a10',
        email: 'ada@example.com',
        email_verified: true,
        mfa_enabled: false,
        roles: [],
        created_at: '2026-01-01T12:00:00.000Z',
      },
    ],
  },
};

function polishResponses(op: Json, bearer: boolean): void {
  const responses = (op.responses ??= {}) as Record<string, Json>;
  const takesBody = op.requestBody !== undefined;
  if (!Object.keys(responses).some((s) => s.startsWith('4'))) {
    responses['400'] = errorResponse(STATUS_TEXT['400']!);
  }
  if (takesBody) {
    responses['413'] ??= errorResponse(STATUS_TEXT['413']!);
    responses['415'] ??= errorResponse(STATUS_TEXT['415']!);
  }
  for (const [status, response] of Object.entries(responses)) {
    if (!response.description || response.description === 'Default Response') {
      response.description = STATUS_TEXT[status] ?? STATUS_CODES[Number(status)] ?? 'Response';
    }
    const headers = (response.headers ?? {}) as Json;
    if (status === '429' || status === '503') headers['Retry-After'] = RETRY_AFTER;
    if (status === '401' && bearer) headers['WWW-Authenticate'] = BEARER_CHALLENGE;
    if (Object.keys(headers).length > 0) response.headers = headers;
  }
}

function addExamples(op: Json, id: string): void {
  const example = EXAMPLES[id];
  if (!example) return;
  const body = (op.requestBody as Json | undefined)?.content as Record<string, Json> | undefined;
  if (example.request !== undefined && body?.['application/json'])
    body['application/json'].example = example.request;
  if (example.response) {
    const [status, value] = example.response;
    const content = ((op.responses as Record<string, Json>)[status]?.content ?? {}) as Record<string, Json>;
    if (content['application/json']) content['application/json'].example = value;
  }
}

export function polishOpenApi(doc: Json, options: { serverUrl: string }): Json {
  // Relative: "Try it out" on /docs calls the host the page was loaded from, whatever
  // name it was reached by (localhost, 127.0.0.1, PUBLIC_URL). A path in PUBLIC_URL (a
  // proxy's prefix) is kept.
  const prefix = new URL(options.serverUrl).pathname.replace(/\/+$/, '');
  doc.servers = [{ url: prefix || '/', description: `this service (PUBLIC_URL: ${options.serverUrl})` }];
  const info = (doc.info ??= {}) as Json;
  info.license = { name: 'MIT', url: 'https://opensource.org/licenses/MIT' };
  const schemas = ((doc.components as Json | undefined)?.schemas ?? {}) as Record<string, Json>;
  const error = schemas.Error;
  if (error) {
    const props = error.properties as Record<string, Json>;
    props.error = { ...props.error, enum: [...ERROR_CODES] };
    error.example = { error: 'invalid_credentials', message: 'Invalid email or password' };
  }
  const paths = (doc.paths ?? {}) as Record<string, Record<string, Json>>;
  const schemesUsed = new Set<string>();
  for (const [path, item] of Object.entries(paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      op.operationId ??= operationIdOf(method, path);
      const security = op.security as Json[] | undefined;
      if (security === undefined) op.security = [];
      for (const s of security ?? []) for (const name of Object.keys(s)) schemesUsed.add(name);
      const bearer = (security ?? []).some((s) => 'bearerAuth' in s);
      polishResponses(op, bearer);
      addExamples(op, String(op.operationId));
    }
  }
  // Schemes of features this configuration does not run (e.g. the refresh cookie).
  const schemes = ((doc.components as Json | undefined)?.securitySchemes ?? {}) as Json;
  for (const name of Object.keys(schemes)) if (!schemesUsed.has(name)) delete schemes[name];
  return doc;
}
