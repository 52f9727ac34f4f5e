/**
 * The reference docs cover the service: every wire code of the error catalogue has a row in
 * docs/errors.md, and every operation of the served OpenAPI document (`METHOD /path`) is
 * documented in docs/api.md, written as api.md writes routes: the method and then the path
 * on one line, `{param}` written `:param` (e.g. `DELETE /auth/passkeys/:id`). A path may
 * share its method with the paths listed before it on the line (`GET /health/live, /health/ready`).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { ERROR_CODES } from '../../src/errors.js';
import { composeTestApp, type TestApp } from '../helpers/app.js';
import { call } from '../helpers/http.js';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

/** The codes in the first column of errors.md's table (`| \`code\` | …`). */
export function documentedCodes(markdown: string): Set<string> {
  const codes = new Set<string>();
  for (const line of markdown.split('\n')) {
    const m = /^\|\s*`([a-z_]+)`\s*\|/.exec(line);
    if (m) codes.add(m[1]!);
  }
  return codes;
}

/**
 * Every `METHOD /path` api.md documents: a line (a table row's first cell, a heading, a
 * line of an example) that starts with a method word, then the paths up to the next method
 * word (a path ends at a character a path cannot hold). A route named in prose further
 * along a line (e.g. "`GET /auth/me` shows …") does not count.
 */
export function documentedRoutes(markdown: string): Set<string> {
  const routes = new Set<string>();
  const token = new RegExp(`\\b(${METHODS.join('|')})\\b|(/[A-Za-z0-9_.:/-]*[A-Za-z0-9_/-]|/)`, 'g');
  const start = new RegExp(`^(?:\\|\\s*|#+\\s+)?\`?(?:${METHODS.join('|')})\\b`);
  for (const raw of markdown.split('\n')) {
    if (!start.test(raw)) continue;
    const line = raw.startsWith('|') ? raw.slice(0, raw.indexOf('|', 1) + 1 || undefined) : raw;
    let method: string | undefined;
    for (const m of line.matchAll(token)) {
      if (m[1]) method = m[1];
      else if (method && m[2] && /[\s,(`|]/.test(line[m.index - 1] ?? ' ')) {
        routes.add(`${method} ${m[2]}`);
      }
    }
  }
  return routes;
}

/** `/admin/users/{id}` as api.md writes it: `/admin/users/:id`. */
export function asDocumented(path: string): string {
  return path.replace(/\{([^}]+)\}/g, ':$1');
}

describe('the reference docs', () => {
  let app: TestApp;
  let paths: Record<string, Record<string, unknown>>;

  before(async () => {
    app = await composeTestApp({ PUBLIC_URL: 'https://auth.example.test' });
    const res = await call(app.target, 'GET', '/openapi.json');
    assert.equal(res.status, 200);
    paths = res.body.paths as Record<string, Record<string, unknown>>;
  });
  after(() => app?.close());

  it('reads api.md routes as api.md writes them', () => {
    const found = documentedRoutes(
      [
        '| POST /auth/register `{email, password}` | x |',
        '| GET /health/live, /health/ready | y |',
        '| DELETE /auth/passkeys/:id (Bearer, step-up) | z |',
        'POST /auth/login/mfa',
        '| PUT /x | also GET /y |',
        'Then `GET /auth/me` shows it.',
      ].join('\n'),
    );
    assert.deepEqual([...found].sort(), [
      'DELETE /auth/passkeys/:id',
      'GET /health/live',
      'GET /health/ready',
      'POST /auth/login/mfa',
      'POST /auth/register',
      'PUT /x',
    ]);
    assert.ok(!found.has('POST /auth/login'), 'a longer path does not document its prefix');
  });

  it('docs/errors.md has a row for every code of the error catalogue', () => {
    const documented = documentedCodes(readFileSync('docs/errors.md', 'utf8'));
    const missing = ERROR_CODES.filter((code) => !documented.has(code));
    assert.deepEqual(missing, [], `codes missing from docs/errors.md: ${missing.join(', ')}`);
    const unknown = [...documented].filter((code) => !(ERROR_CODES as readonly string[]).includes(code));
    assert.deepEqual(
      unknown,
      [],
      `docs/errors.md rows for codes the service never sends: ${unknown.join(', ')}`,
    );
  });

  it('docs/api.md documents every operation of the OpenAPI document', () => {
    const documented = documentedRoutes(readFileSync('docs/api.md', 'utf8'));
    const operations = Object.entries(paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((method) => METHODS.includes(method.toUpperCase()))
        .map((method) => `${method.toUpperCase()} ${asDocumented(path)}`),
    );
    assert.ok(operations.length > 30, `the document lists the routes (${operations.length})`);
    const missing = operations.filter((route) => !documented.has(route));
    assert.deepEqual(missing, [], `routes missing from docs/api.md:\n${missing.join('\n')}`);
  });
});
