/**
 * The error table (src/errors.ts) is the one source of the codes: docs/errors.md has a row
 * for every code and no other, with the same statuses and headers; the served OpenAPI
 * document's error enum lists exactly the table's codes; and every error class is made
 * from its row, so its status, headers and Retry-After are the row's and `instanceof` works.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import * as errors from '../../src/errors.js';
import {
  AccountDisabledError,
  DatabaseUnavailableError,
  EmailNotVerifiedError,
  EmailTakenError,
  ERROR_CODES,
  ERROR_TABLE,
  ExpectationFailedError,
  FeatureDisabledError,
  ForbiddenError,
  HeadersTooLargeError,
  InternalError,
  InvalidAuthorizationError,
  InvalidClientError,
  InvalidCodeError,
  InvalidCredentialsError,
  InvalidGrantError,
  InvalidLinkTokenError,
  InvalidRequestError,
  InvalidTokenError,
  LastSignInMethodError,
  MethodNotAllowedError,
  MfaAlreadyEnabledError,
  MfaNotEnabledError,
  NotFoundError,
  OriginNotAllowedError,
  OverloadedError,
  PayloadTooLargeError,
  PoolExhaustedError,
  ReauthenticationRequiredError,
  RegistrationDisabledError,
  RequestTimeoutError,
  SecretDecryptError,
  ShuttingDownError,
  StoreTimeoutError,
  StoreUnavailableError,
  TollgateError,
  TooManyAttemptsError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  WeakPasswordError,
  type ErrorRow,
} from '../../src/errors.js';
import { installErrorHandling } from '../../src/http/error-handler.js';
import { composeTestApp, type TestApp } from '../helpers/app.js';
import { call } from '../helpers/http.js';
import { captureLogs } from '../helpers/log-capture.js';

/** One row of docs/errors.md's table: the code, the statuses and the header names it gives. */
interface DocRow {
  statuses: Set<number>;
  headers: Set<string>;
}

/** The rows of errors.md's table (`| \`code\` | status | when | headers |`), by code. */
export function documentedRows(markdown: string): Map<string, DocRow> {
  const rows = new Map<string, DocRow>();
  for (const line of markdown.split('\n')) {
    const m = /^\|\s*`([a-z_]+)`\s*\|([^|]*)\|[^|]*\|([^|]*)\|\s*$/.exec(line);
    if (!m) continue;
    const statuses = new Set([...m[2]!.matchAll(/\b\d{3}\b/g)].map((s) => Number(s[0])));
    const headers = new Set([...m[3]!.matchAll(/`([A-Za-z][A-Za-z-]*)(?::[^`]*)?`/g)].map((h) => h[1]!));
    rows.set(m[1]!, { statuses, headers });
  }
  return rows;
}

const statusesOf = (row: ErrorRow): Set<number> =>
  new Set([row.status, ...(row.variant?.status === undefined ? [] : [row.variant.status])]);
const headersOf = (row: ErrorRow): Set<string> =>
  new Set([...Object.keys(row.headers ?? {}), ...Object.keys(row.variant?.headers ?? {})]);
const sorted = (s: Iterable<unknown>): string[] => [...s].map(String).sort();

/** Every way the table, the docs' rows and the OpenAPI enum disagree (empty: they agree). */
export function disagreements(
  table: Readonly<Record<string, ErrorRow>>,
  docs: Map<string, DocRow>,
  openApiEnum: readonly string[],
): string[] {
  const problems: string[] = [];
  const codes = Object.keys(table);
  for (const code of codes) {
    const row = table[code]!;
    const doc = docs.get(code);
    if (!doc) problems.push(`${code}: in the table, missing from docs/errors.md`);
    else {
      if (sorted(doc.statuses).join() !== sorted(statusesOf(row)).join()) {
        problems.push(
          `${code}: docs say ${sorted(doc.statuses).join('/')}, table ${sorted(statusesOf(row)).join('/')}`,
        );
      }
      if (sorted(doc.headers).join() !== sorted(headersOf(row)).join()) {
        problems.push(
          `${code}: docs name headers [${sorted(doc.headers).join()}], table [${sorted(headersOf(row)).join()}]`,
        );
      }
    }
    if (!openApiEnum.includes(code)) problems.push(`${code}: in the table, missing from the OpenAPI enum`);
  }
  for (const code of docs.keys()) {
    if (!codes.includes(code)) problems.push(`${code}: in docs/errors.md, not in the table`);
  }
  for (const code of openApiEnum) {
    if (!codes.includes(code)) problems.push(`${code}: in the OpenAPI enum, not in the table`);
  }
  return problems;
}

/** One error of every class in src/errors.ts (and both statuses of invalid_code). */
const SAMPLES: TollgateError[] = [
  new InvalidRequestError('email must be a valid email address'),
  new InvalidAuthorizationError('Send exactly one Authorization header'),
  new WeakPasswordError('This password is on a list of breached passwords', 'breached'),
  new EmailTakenError(),
  new LastSignInMethodError(),
  new RegistrationDisabledError(),
  new InvalidCredentialsError(),
  new TooManyAttemptsError(29.2),
  new InvalidGrantError(),
  new InvalidLinkTokenError(),
  new InvalidTokenError(),
  new InvalidClientError(),
  new ReauthenticationRequiredError(300),
  new UnauthorizedError(),
  new ForbiddenError(),
  new AccountDisabledError(),
  new EmailNotVerifiedError(),
  new FeatureDisabledError('Password reset mail needs SMTP_URL'),
  new InvalidCodeError(400),
  new InvalidCodeError(401),
  new MfaAlreadyEnabledError(),
  new MfaNotEnabledError(),
  new OriginNotAllowedError(),
  new NotFoundError('No route for GET /x'),
  new MethodNotAllowedError('PUT', '/auth/login', ['POST']),
  new RequestTimeoutError(),
  new PayloadTooLargeError(),
  new UnsupportedMediaTypeError(),
  new ExpectationFailedError(),
  new HeadersTooLargeError(),
  new StoreUnavailableError('disconnected'),
  new DatabaseUnavailableError('timeout'),
  new StoreTimeoutError(),
  new PoolExhaustedError(),
  new OverloadedError(3),
  new ShuttingDownError(),
  new InternalError('a bug'),
  new SecretDecryptError('unknown_key'),
];

describe('the error table', () => {
  let app: TestApp;
  let openApiEnum: string[];
  const docs = documentedRows(readFileSync('docs/errors.md', 'utf8'));

  before(async () => {
    app = await composeTestApp({ PUBLIC_URL: 'https://auth.example.test' });
    const res = await call(app.target, 'GET', '/openapi.json');
    assert.equal(res.status, 200);
    const schemas = (
      res.body.components as { schemas: Record<string, { properties: Record<string, unknown> }> }
    ).schemas;
    openApiEnum = (schemas.Error!.properties.error as { enum: string[] }).enum;
  });
  after(() => app?.close());

  it('agrees with docs/errors.md (codes, statuses, headers) and the OpenAPI enum, both ways', () => {
    assert.ok(docs.size >= 30, `docs/errors.md's table is read (${docs.size} rows)`);
    assert.deepEqual(disagreements(ERROR_TABLE, docs, openApiEnum), []);
    assert.deepEqual(openApiEnum, [...ERROR_CODES], 'the enum lists the table in its order');
  });

  it('notices a code missing from, or only in, the docs or the enum', () => {
    const withoutRow = new Map(docs);
    withoutRow.delete('invalid_grant');
    assert.deepEqual(disagreements(ERROR_TABLE, withoutRow, openApiEnum), [
      'invalid_grant: in the table, missing from docs/errors.md',
    ]);
    const extra = new Map(docs).set('teapot', { statuses: new Set([418]), headers: new Set() });
    assert.deepEqual(disagreements(ERROR_TABLE, extra, [...openApiEnum, 'teapot']), [
      'teapot: in docs/errors.md, not in the table',
      'teapot: in the OpenAPI enum, not in the table',
    ]);
    assert.deepEqual(
      disagreements(
        ERROR_TABLE,
        docs,
        openApiEnum.filter((c) => c !== 'unavailable'),
      ),
      ['unavailable: in the table, missing from the OpenAPI enum'],
    );
    const wrongStatus = new Map(docs).set('not_found', { statuses: new Set([410]), headers: new Set() });
    assert.deepEqual(disagreements(ERROR_TABLE, wrongStatus, openApiEnum), [
      'not_found: docs say 410, table 404',
    ]);
  });

  it('makes every error class from its row: status, headers, Retry-After, name and instanceof', () => {
    const classes = Object.entries(errors).filter(
      ([, value]) => typeof value === 'function' && value.prototype instanceof TollgateError,
    );
    assert.ok(classes.length >= 35, `${classes.length} classes`);
    for (const [name] of classes) {
      assert.ok(
        SAMPLES.some((e) => e.constructor.name === name),
        `${name} has a sample here`,
      );
    }
    for (const err of SAMPLES) {
      const label = `${err.name} (${err.code})`;
      const row: ErrorRow = ERROR_TABLE[err.code];
      assert.ok(err instanceof TollgateError && err instanceof Error, label);
      assert.equal(err.name, err.constructor.name, label);
      assert.ok(statusesOf(row).has(err.statusCode), `${label}: status ${err.statusCode}`);
      const named = headersOf(row);
      for (const [header, value] of Object.entries(err.headers)) {
        assert.ok(named.has(header), `${label}: ${header} is in the row`);
        const fixed = row.headers?.[header] ?? row.variant?.headers?.[header];
        if (typeof fixed === 'string') assert.equal(value, fixed, `${label}: ${header}`);
      }
      assert.equal(err.retryAfterSeconds !== undefined, named.has('Retry-After'), `${label}: Retry-After`);
      assert.ok(err.message.length > 0, label);
    }
    for (const code of ERROR_CODES) {
      assert.ok(
        SAMPLES.some((e) => e.code === code),
        `${code} has a class`,
      );
    }
  });

  it('keeps the two cases of a code apart by status or header, as docs/errors.md says', () => {
    const refresh = new InvalidGrantError();
    const link = new InvalidLinkTokenError();
    assert.deepEqual(
      [refresh.code, refresh.statusCode, link.code, link.statusCode],
      ['invalid_grant', 401, 'invalid_grant', 400],
    );
    assert.ok(!(link instanceof InvalidGrantError), 'a link token never clears the refresh cookie');
    assert.deepEqual(new InvalidRequestError('x').headers, {});
    assert.deepEqual(new InvalidAuthorizationError('x').headers, {
      'WWW-Authenticate': 'Bearer error="invalid_request"',
    });
    assert.equal(new InternalError().code, 'internal_error');
    assert.equal(new SecretDecryptError('tampered').code, 'secret_unreadable');
    assert.ok(!(new SecretDecryptError('tampered') instanceof InternalError));
  });

  it('answers secret_unreadable as a 500 and logs why, never the secret', async () => {
    const logs = captureLogs();
    const logger: FastifyBaseLogger = logs.logger;
    const server = Fastify({ loggerInstance: logger });
    installErrorHandling(server);
    server.get('/totp', () => {
      throw new SecretDecryptError('unknown_key');
    });
    try {
      const res = await server.inject({ method: 'GET', url: '/totp' });
      assert.equal(res.statusCode, 500);
      assert.deepEqual(res.json(), {
        error: 'secret_unreadable',
        message: 'A stored secret was sealed under a key that is not configured',
      });
      const logged = logs.entries().find((e) => e.msg === 'internal error');
      assert.ok(logged, `logged: ${logs.lines.join('')}`);
      assert.match((logged.err as { message: string }).message, /sealed under a key that is not configured/);
    } finally {
      await server.close();
    }
  });
});
