import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SqlUserDirectory } from '../../src/persistence/directory/sql-user-directory.js';
import { composeTestApp } from '../helpers/app.js';
import { call, login, register } from '../helpers/http.js';
import { ORIGIN, PASSKEY_ENV, passkeyLimitSuite, passkeysSuite } from '../helpers/passkeys-suite.js';
import { SoftAuthenticator } from '../helpers/soft-authenticator.js';

passkeysSuite('memory store, PGlite', () => composeTestApp({ STORE: 'memory', ...PASSKEY_ENV }));
passkeyLimitSuite('memory store, PGlite', () =>
  composeTestApp({ STORE: 'memory', LOGIN_MAX_FAILURES_PER_IP: '3', ...PASSKEY_ENV }),
);

describe('passkeys with REFRESH_COOKIE=on', () => {
  it('the passkey sign-in puts the refresh token in the cookie, as a password login does', async () => {
    const app = await composeTestApp({ STORE: 'memory', REFRESH_COOKIE: 'on', ...PASSKEY_ENV });
    try {
      const email = 'cookie-passkey@example.test';
      await register(app.target, email);
      await app.composition.directory.setEmailVerified(
        (await app.composition.directory.findByEmail(email))!.id,
      );
      const { access } = await login(app.target, email);
      const device = new SoftAuthenticator({ origin: ORIGIN });
      const options = await call(app.target, 'POST', '/auth/passkeys/register/options', { token: access });
      const added = await call(app.target, 'POST', '/auth/passkeys/register/verify', {
        token: access,
        body: { response: device.create(options.body as never) },
      });
      assert.equal(added.status, 201, added.text);
      const request = await call(app.target, 'POST', '/auth/passkeys/login/options', { body: {} });
      const signed = await call(app.target, 'POST', '/auth/passkeys/login/verify', {
        body: { response: device.get(request.body as never) },
      });
      assert.equal(signed.status, 200, signed.text);
      assert.equal(signed.body.refresh_token, undefined, 'not in the body');
      assert.equal(typeof signed.body.access_token, 'string');
      assert.match(signed.headers['set-cookie'] ?? '', /^tollgate_refresh=tgr1\..*HttpOnly/);
    } finally {
      await app.close();
    }
  });
});

describe('passkeys with REQUIRE_VERIFIED_EMAIL=on', () => {
  it('a correct passkey of an account whose email is not verified answers 403 email_not_verified', async () => {
    const app = await composeTestApp({ STORE: 'memory', REQUIRE_VERIFIED_EMAIL: 'on', ...PASSKEY_ENV });
    try {
      const email = 'unverified-passkey@example.test';
      await register(app.target, email);
      const account = (await app.composition.directory.findByEmail(email))!;
      await app.composition.directory.setEmailVerified(account.id);
      const { access } = await login(app.target, email);
      const device = new SoftAuthenticator({ origin: ORIGIN });
      const options = await call(app.target, 'POST', '/auth/passkeys/register/options', { token: access });
      const added = await call(app.target, 'POST', '/auth/passkeys/register/verify', {
        token: access,
        body: { response: device.create(options.body as never) },
      });
      assert.equal(added.status, 201, added.text);
      const signIn = async () => {
        const request = await call(app.target, 'POST', '/auth/passkeys/login/options', { body: {} });
        return call(app.target, 'POST', '/auth/passkeys/login/verify', {
          body: { response: device.get(request.body as never) },
        });
      };
      assert.equal((await signIn()).status, 200);
      const db = (app.composition.directory as SqlUserDirectory).db;
      await db.query('UPDATE users SET email_verified = false WHERE id = $1', [account.id]);
      const refused = await signIn();
      assert.equal(refused.status, 403);
      assert.equal(refused.body.error, 'email_not_verified');
    } finally {
      await app.close();
    }
  });
});
