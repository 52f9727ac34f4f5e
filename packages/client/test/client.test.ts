/**
 * The typed client against the real service (listening on a loopback port): register,
 * log in, read /auth/me with the access token from a function, log out, and get
 * tollgate's typed `{error, message}` body after. Also what the types refuse (checked by
 * `npm run typecheck`: each `@ts-expect-error` fails the type-check if the line compiles).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTollgateClient, type ErrorCode, type TollgateClient } from '../src/index.js';
import { startTestApp, type TestApp } from '../../../test/helpers/app.js';

describe('@tollgate/client against tollgate', () => {
  let app: TestApp;
  let baseUrl: string;

  before(async () => {
    app = await startTestApp();
    if (typeof app.target !== 'string') throw new Error('the app is not listening');
    baseUrl = app.target;
  });
  after(() => app.close());

  it('register → login → me → logout → me answers 401 with the typed error body', async () => {
    const anonymous = createTollgateClient({ baseUrl });
    const email = 'ada@example.test';
    const password = 'correct horse battery staple';
    const reg = await anonymous.POST('/auth/register', { body: { email, password } });
    assert.equal(reg.response.status, 201);
    assert.equal(reg.data?.email, email);

    const login = await anonymous.POST('/auth/login', { body: { email, password } });
    assert.equal(login.response.status, 200);
    assert.ok(login.data && 'access_token' in login.data, 'no MFA: tokens');
    let token: string | undefined = login.data.access_token;

    const api = createTollgateClient({ baseUrl: `${baseUrl}/`, accessToken: () => token });
    const me = await api.GET('/auth/me');
    assert.equal(me.response.status, 200);
    assert.equal(me.data?.email, email);
    assert.equal(me.data?.mfa_enabled, false);

    const out = await api.POST('/auth/logout');
    assert.equal(out.response.status, 200);
    const after = await api.GET('/auth/me');
    assert.equal(after.response.status, 401);
    assert.equal(after.data, undefined);
    const code: ErrorCode | undefined = after.error?.error;
    assert.equal(code, 'invalid_token');

    // An explicit Authorization header wins over the token source.
    token = 'not-used';
    const explicit = await api.GET('/auth/me', { headers: { authorization: 'Bearer x.y.z' } });
    assert.equal(explicit.response.status, 401);
  });

  it('a wrong body is refused by tollgate with invalid_request, and by the types', async () => {
    const api = createTollgateClient({ baseUrl });
    // @ts-expect-error: `password` is required
    const res = await api.POST('/auth/login', { body: { email: 'a@example.test' } });
    assert.equal(res.response.status, 400);
    assert.equal(res.error?.error, 'invalid_request');
  });

  it('refuses a base URL that is not absolute http(s)', () => {
    assert.throws(() => createTollgateClient({ baseUrl: '/auth' }), /"baseUrl" must be an absolute/);
    assert.throws(() => createTollgateClient({ baseUrl: 'ftp://x' }), /http\(s\) URL/);
  });
});

// Type-level checks only: never called.
export function typeChecks(api: TollgateClient): void {
  // @ts-expect-error: no such path
  void api.GET('/auth/nope');
  // @ts-expect-error: /auth/login has no GET
  void api.GET('/auth/login');
  // @ts-expect-error: a path parameter is required
  void api.DELETE('/auth/sessions/{id}', {});
}
