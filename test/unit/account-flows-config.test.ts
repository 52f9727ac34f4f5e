/**
 * How the account flows follow the config, in-process with mail going to a real SMTP
 * server: REQUIRE_VERIFIED_EMAIL (a link at registration, 403 after a correct password
 * until verified, a new link then), production without SMTP_URL or SECRETS_KEY (403
 * `feature_disabled`), bad input on the new routes, and the config checks of the mail
 * and key variables.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { generateSigningKeyPem } from '../../src/auth/keys.js';
import { compose } from '../../src/compose.js';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { composeTestApp, type TestApp } from '../helpers/app.js';
import { testDatabase } from '../helpers/databases.js';
import { testHasher } from '../helpers/hasher.js';
import { call, PASSWORD, registerAndLogin } from '../helpers/http.js';
import { startSmtpServer, type SmtpSink } from '../helpers/smtp-server.js';

const unique = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}@example.test`;

describe('REQUIRE_VERIFIED_EMAIL=on', () => {
  let smtp: SmtpSink;
  let app: TestApp;

  before(async () => {
    smtp = await startSmtpServer();
    app = await composeTestApp({ SMTP_URL: smtp.url, REQUIRE_VERIFIED_EMAIL: 'on' });
  });
  after(async () => {
    await app?.close();
    await smtp?.close();
  });

  it('mails a link at registration; login is 403 after a correct password until it is used', async () => {
    const email = unique('unverified');
    const created = await call(app.target, 'POST', '/auth/register', { body: { email, password: PASSWORD } });
    assert.equal(created.status, 201);
    const first = await smtp.waitForMessage((m) => m.to.includes(email), 10_000);

    const wrong = await call(app.target, 'POST', '/auth/login', {
      body: { email, password: 'not it at all' },
    });
    assert.equal(wrong.status, 401, 'a wrong password learns nothing about verification');
    const refused = await call(app.target, 'POST', '/auth/login', { body: { email, password: PASSWORD } });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error, 'email_not_verified');
    // The correct password also sent a fresh link (the first may be lost).
    await smtp.waitForMessage((m) => m.to.includes(email) && m.messageId !== first.messageId, 10_000);

    const token = /token=([A-Za-z0-9_-]{43})/.exec(first.text)![1]!;
    assert.equal(
      (await call(app.target, 'POST', '/auth/email-verification', { body: { token } })).status,
      200,
    );
    const ok = await call(app.target, 'POST', '/auth/login', { body: { email, password: PASSWORD } });
    assert.equal(ok.status, 200, ok.text);
  });
});

describe('production without SMTP_URL and SECRETS_KEY', () => {
  it('answers 403 feature_disabled for reset, verification and TOTP setup', async () => {
    const config = loadConfig(
      {
        DEPLOYMENT_ENV: 'production',
        STORE: 'memory',
        WORKERS: '1',
        DATABASE_URL: 'postgres://unused@127.0.0.1:1/unused',
        JWT_PRIVATE_KEY: generateSigningKeyPem(),
        OPS_TOKEN: 'o'.repeat(24),
        PUBLIC_URL: 'https://auth.example.test',
        PASSWORD_POLICY: 'off',
        LOG_LEVEL: 'silent',
      },
      { skipEnvFiles: true },
    );
    const composition = await compose(config, { database: await testDatabase(), hasher: testHasher });
    try {
      const app = composition.app;
      const s = await registerAndLogin(app, unique('prod'));
      for (const [path, body, token] of [
        ['/auth/password-reset/request', { email: unique('prod') }, undefined],
        ['/auth/email-verification/request', undefined, s.access],
        ['/auth/mfa/totp/setup', undefined, s.access],
      ] as const) {
        const res = await call(app, 'POST', path, { ...(body ? { body } : {}), ...(token ? { token } : {}) });
        assert.equal(res.status, 403, `${path}: ${res.text}`);
        assert.equal(res.body.error, 'feature_disabled');
      }
    } finally {
      await composition.close();
    }
  });
});

describe('the account routes', () => {
  let app: TestApp;
  before(async () => {
    app = await composeTestApp({});
  });
  after(() => app?.close());

  it('without SMTP_URL in development, mail goes to the log: the routes work', async () => {
    const res = await call(app.target, 'POST', '/auth/password-reset/request', {
      body: { email: unique('dev') },
    });
    assert.equal(res.status, 202);
  });

  it('rejects malformed bodies with 400 invalid_request', async () => {
    for (const [path, body] of [
      ['/auth/password-reset/request', { email: 'not-an-email' }],
      ['/auth/password-reset/request', {}],
      ['/auth/password-reset', { token: 'x' }],
      ['/auth/email-verification', { token: 5 }],
      ['/auth/login/mfa', { mfa_token: 'x' }],
    ] as const) {
      const res = await call(app.target, 'POST', path, { body });
      assert.equal(res.status, 400, `${path} ${JSON.stringify(body)}: ${res.text}`);
      assert.equal(res.body.error, 'invalid_request');
    }
  });

  it('answers 401 invalid_code for an unknown mfa_token', async () => {
    const res = await call(app.target, 'POST', '/auth/login/mfa', {
      body: { mfa_token: 'A'.repeat(43), code: '123456' },
    });
    assert.equal(res.status, 401);
    assert.equal(res.body.error, 'invalid_code');
  });

  it('refuses enabling TOTP before setup, and disabling it when off (409)', async () => {
    const email = unique('nototp');
    const s = await registerAndLogin(app.target, email);
    // Factors are added only to a verified address (else 403 email_not_verified first).
    await app.composition.directory.setEmailVerified(
      (await app.composition.directory.findByEmail(email))!.id,
    );
    for (const path of ['/auth/mfa/totp/enable', '/auth/mfa/totp/disable']) {
      const res = await call(app.target, 'POST', path, { token: s.access, body: { code: '123456' } });
      assert.equal(res.status, 409, path);
      assert.equal(res.body.error, 'mfa_not_enabled');
    }
  });
});

describe('account config', () => {
  const load = (env: Record<string, string>) => loadConfig(env, { skipEnvFiles: true });

  it('reports bad mail and key variables together, without repeating secrets', () => {
    assert.throws(
      () =>
        load({
          SMTP_URL: 'http://user:hunter2secret@mail.example.com',
          SECRETS_KEY: 'too-short-hunter2secret',
          PASSWORD_RESET_URL_PATH: 'reset',
        }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.deepEqual(err.issues.map((i) => i.variable).sort(), [
          'PASSWORD_RESET_URL_PATH',
          'SECRETS_KEY',
          'SMTP_URL',
        ]);
        assert.ok(!err.message.includes('hunter2secret'), err.message);
        return true;
      },
    );
  });

  it('reads SECRETS_KEY as hex or base64, and previous keys for rotation', () => {
    const hex = 'ab'.repeat(32);
    const b64 = Buffer.alloc(32, 7).toString('base64');
    const c = load({ SECRETS_KEY: hex, SECRETS_PREVIOUS_KEYS: `${b64}, ${'cd'.repeat(32)}` });
    assert.equal(c.accounts.secretsKey.current?.toString('hex'), hex);
    assert.equal(c.accounts.secretsKey.previous.length, 2);
  });

  it('production: REQUIRE_VERIFIED_EMAIL needs SMTP_URL', () => {
    assert.throws(
      () => load({ DEPLOYMENT_ENV: 'production', REQUIRE_VERIFIED_EMAIL: 'on' }),
      (err: unknown) =>
        err instanceof ConfigError && err.issues.some((i) => i.variable === 'REQUIRE_VERIFIED_EMAIL'),
    );
  });
});
