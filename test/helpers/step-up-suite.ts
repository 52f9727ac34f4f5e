/**
 * Only the owner can add or remove a sign-in factor: the attacks of a stolen access token
 * and of an account registered in someone else's name, replayed through HTTP, and what
 * the owner learns (mail to a real SMTP server) and can undo (a reset, an administrator).
 * Run on the memory store with PGlite (unit) and on Redis with PostgreSQL (integration).
 *
 * A "stolen token" is a token of the victim's own live session whose sign-in is older
 * than REAUTH_MAX_AGE: it is signed here with the service's key and the session's id,
 * exactly as the service signed it ten minutes ago.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { generateTotpCode } from '../../src/crypto/totp.js';
import type { SqlUserDirectory } from '../../src/persistence/directory/sql-user-directory.js';
import { signAccessToken } from '../../src/auth/access-token.js';
import type { TestApp } from './app.js';
import { call, login, PASSWORD, register, type HttpResult } from './http.js';
import { ORIGIN } from './passkeys-suite.js';
import type { ReceivedMail, SmtpSink } from './smtp-server.js';
import { SoftAuthenticator } from './soft-authenticator.js';

const NEW_PASSWORD = 'violet lantern orbit cascade 42';
const unique = (tag: string): string => `${tag}-${randomUUID().slice(0, 8)}@example.test`;

interface Victim {
  email: string;
  id: string;
  access: string;
  refresh: string;
}

export function stepUpSuite(
  name: string,
  start: () => Promise<{ app: TestApp; smtp: SmtpSink; close: () => Promise<void> }>,
): void {
  describe(`step-up and owner notices (${name})`, () => {
    let app: TestApp;
    let smtp: SmtpSink;
    let close: () => Promise<void>;
    before(async () => {
      ({ app, smtp, close } = await start());
    });
    after(async () => close?.());

    const post = (path: string, body?: unknown, token?: string, headers?: Record<string, string>) =>
      call(app.target, 'POST', path, {
        ...(body === undefined ? {} : { body }),
        ...(token ? { token } : {}),
        ...(headers ? { headers } : {}),
      });
    const del = (path: string, token?: string) => call(app.target, 'DELETE', path, token ? { token } : {});
    const get = (path: string, token?: string) => call(app.target, 'GET', path, token ? { token } : {});

    const mailTo = (to: string, text: RegExp): Promise<ReceivedMail> =>
      smtp.waitForMessage((m) => m.to.some((t) => t.includes(to)) && text.test(m.text), 10_000);
    const mailsTo = (to: string, text: RegExp): ReceivedMail[] =>
      smtp.messages.filter((m) => m.to.some((t) => t.includes(to)) && text.test(m.text));
    const tokenOf = (mail: ReceivedMail): string => /[?&]token=([A-Za-z0-9_-]{43})\b/.exec(mail.text)![1]!;

    const audit = async (userId: string) =>
      (await app.composition.directory.listAudit({ userId, limit: 100 })).items;

    /** An account with a verified address, signed in just now. */
    async function victim(tag = 'victim', verified = true): Promise<Victim> {
      const email = unique(tag);
      await register(app.target, email);
      const account = (await app.composition.directory.findByEmail(email))!;
      if (verified) await app.composition.directory.setEmailVerified(account.id);
      const s = await login(app.target, email);
      return { email, id: account.id, access: s.access, refresh: s.refresh };
    }

    /** The victim's own session, as a token whose sign-in was ten minutes ago (a stolen one). */
    async function stolen(token: string, ageSeconds = 600): Promise<string> {
      const c = decodeJwt(token) as { sub: string; sid: string; email: string; amr: string[] };
      const now = Math.floor(Date.now() / 1000);
      const signed = await signAccessToken(
        app.composition.keys,
        {
          issuer: app.config.jwt.issuer,
          audience: app.config.jwt.audience,
          ttlSeconds: app.config.jwt.accessTokenTtl,
        },
        {
          uid: c.sub,
          sid: c.sid,
          email: c.email,
          roles: [],
          emailVerified: true,
          authTime: now - ageSeconds,
          amr: c.amr,
        },
      );
      return signed.token;
    }

    async function addPasskey(access: string, device = new SoftAuthenticator({ origin: ORIGIN })) {
      const options = await post('/auth/passkeys/register/options', undefined, access);
      assert.equal(options.status, 200, options.text);
      const added = await post(
        '/auth/passkeys/register/verify',
        { response: device.create(options.body as never) },
        access,
      );
      assert.equal(added.status, 201, added.text);
      return { device, id: String(added.body.id) };
    }

    async function signInWithPasskey(
      device: SoftAuthenticator,
      userAgent = 'Phone/1.0',
    ): Promise<HttpResult> {
      const options = await post('/auth/passkeys/login/options', {});
      return post('/auth/passkeys/login/verify', { response: device.get(options.body as never) }, undefined, {
        'user-agent': userAgent,
      });
    }

    async function enableTotp(access: string): Promise<string> {
      const setup = await post('/auth/mfa/totp/setup', undefined, access);
      assert.equal(setup.status, 200, setup.text);
      const secret = String(setup.body.secret);
      const on = await post('/auth/mfa/totp/enable', { code: generateTotpCode(secret) }, access);
      assert.equal(on.status, 200, on.text);
      return secret;
    }

    function assertStepUp(r: HttpResult, what: string): void {
      assert.equal(r.status, 401, `${what}: ${r.text}`);
      assert.equal(r.body.error, 'reauthentication_required', what);
      assert.match(
        r.headers['www-authenticate'] ?? '',
        /insufficient_user_authentication.*max_age=300/,
        what,
      );
    }

    describe('auth_time and amr', () => {
      it('a password login carries pwd and the time; a refresh keeps them; the session holds them', async () => {
        const before = Math.floor(Date.now() / 1000);
        const v = await victim('claims');
        const c = decodeJwt(v.access);
        assert.deepEqual(c.amr, ['pwd']);
        assert.ok(
          typeof c.auth_time === 'number' && c.auth_time >= before - 1,
          `auth_time ${String(c.auth_time)}`,
        );
        const refreshed = await post('/auth/refresh', { refresh_token: v.refresh });
        assert.equal(refreshed.status, 200, refreshed.text);
        const r = decodeJwt(String(refreshed.body.access_token));
        assert.equal(r.auth_time, c.auth_time, 'a refresh proves nothing new');
        assert.deepEqual(r.amr, ['pwd']);
        assert.deepEqual(await app.composition.store.sessionAuth(v.id, String(c.sid)), {
          authTime: c.auth_time,
          amr: ['pwd'],
        });
      });

      it('a (synced) passkey sign-in carries swk, user and mfa; a password with TOTP carries pwd, otp and mfa', async () => {
        const v = await victim('amr');
        const { device } = await addPasskey(v.access);
        const signed = await signInWithPasskey(device);
        assert.equal(signed.status, 200, signed.text);
        // The software authenticator reports a backed-up, multi-device credential: `swk`.
        assert.deepEqual(decodeJwt(String(signed.body.access_token)).amr, ['swk', 'user', 'mfa']);
        const secret = await enableTotp(v.access);
        const first = await post('/auth/login', { email: v.email, password: PASSWORD });
        const second = await post('/auth/login/mfa', {
          mfa_token: first.body.mfa_token,
          code: generateTotpCode(secret, Date.now() + 30_000),
        });
        assert.equal(second.status, 200, second.text);
        assert.deepEqual(decodeJwt(String(second.body.access_token)).amr, ['pwd', 'otp', 'mfa']);
      });
    });

    describe('a stolen access token', () => {
      it('cannot plant a passkey, nor remove one, however long the session lives', async () => {
        const v = await victim('plant');
        const owned = await addPasskey(v.access);
        const token = await stolen(v.access);
        assert.equal((await get('/auth/me', token)).status, 200, 'the token itself is good');
        assertStepUp(await post('/auth/passkeys/register/options', undefined, token), 'register options');
        // Options the owner asked for do not help either: verify checks the token too.
        const options = await post('/auth/passkeys/register/options', undefined, v.access);
        const attacker = new SoftAuthenticator({ origin: ORIGIN });
        const planted = await post(
          '/auth/passkeys/register/verify',
          { response: attacker.create(options.body as never) },
          token,
        );
        assertStepUp(planted, 'register verify');
        assertStepUp(await del(`/auth/passkeys/${owned.id}`, token), 'remove');
        const list = await get('/auth/passkeys', v.access);
        assert.deepEqual(
          (list.body.passkeys as Array<{ id: string }>).map((p) => p.id),
          [owned.id],
          'nothing added, nothing removed',
        );
        assert.equal((await signInWithPasskey(attacker)).status, 401, 'no backdoor');
      });

      it("stays stale when the owner re-authenticates the same session: the proof is the token's", async () => {
        const v = await victim('same-session');
        const token = await stolen(v.access);
        const again = await post('/auth/reauthenticate', { password: PASSWORD }, v.access);
        assert.equal(again.status, 200, again.text);
        assertStepUp(await post('/auth/passkeys/register/options', undefined, token), 'old token');
        const fresh = String(again.body.access_token);
        assert.equal((await post('/auth/passkeys/register/options', undefined, fresh)).status, 200);
      });

      it('cannot turn TOTP on, nor make new recovery codes, nor change the email', async () => {
        const v = await victim('totp-plant');
        const token = await stolen(v.access);
        assertStepUp(await post('/auth/mfa/totp/setup', undefined, token), 'setup');
        // A setup the owner started cannot be finished with the stolen token either.
        const setup = await post('/auth/mfa/totp/setup', undefined, v.access);
        const code = generateTotpCode(String(setup.body.secret));
        assertStepUp(await post('/auth/mfa/totp/enable', { code }, token), 'enable');
        assert.equal((await get('/auth/me', v.access)).body.mfa_enabled, false, 'TOTP stays off');
        const other = await victim('totp-on');
        const secret = await enableTotp(other.access);
        assertStepUp(await post('/auth/mfa/recovery-codes', undefined, await stolen(other.access)), 'codes');
        assertStepUp(await post('/auth/email', { email: unique('thief') }, token), 'email');
        // Turning TOTP off takes a code: the stolen token alone gets nowhere.
        const off = await post('/auth/mfa/totp/disable', { code: '000000' }, await stolen(other.access));
        assert.equal(off.status, 400);
        assert.equal(off.body.error, 'invalid_code');
        assert.ok(secret);
      });

      it('cannot re-authenticate without the password (wrong guesses are audited and limited)', async () => {
        const v = await victim('guess');
        const token = await stolen(v.access);
        const wrong = await post('/auth/reauthenticate', { password: 'not the password' }, token);
        assert.equal(wrong.status, 401);
        assert.equal(wrong.body.error, 'invalid_credentials');
        const none = await post('/auth/reauthenticate', {}, token);
        assert.equal(none.status, 400);
        assert.ok((await audit(v.id)).some((e) => e.type === 'reauth_failure'));
        // With TOTP on, the password alone is not enough.
        const secret = await enableTotp(v.access);
        const half = await post('/auth/reauthenticate', { password: PASSWORD }, token);
        assert.equal(half.status, 401);
        assert.equal(half.body.error, 'invalid_code');
        const whole = await post(
          '/auth/reauthenticate',
          { password: PASSWORD, code: generateTotpCode(secret, Date.now() + 30_000) },
          token,
        );
        assert.equal(whole.status, 200, whole.text);
        assert.deepEqual(whole.body.amr, ['pwd', 'otp', 'mfa']);
        assert.deepEqual(decodeJwt(String(whole.body.access_token)).amr, ['pwd', 'otp', 'mfa']);
      });
    });

    describe('the pre-registration hijack', () => {
      it("an account registered in the victim's name gets no factor, and the victim's reset takes it back whole", async () => {
        // The attacker registers the victim's address first and signs in.
        const attacker = await victim('prehijack', false);
        const device = new SoftAuthenticator({ origin: ORIGIN });
        const options = await post('/auth/passkeys/register/options', undefined, attacker.access);
        assert.equal(options.status, 403, options.text);
        assert.equal(options.body.error, 'email_not_verified');
        const totp = await post('/auth/mfa/totp/setup', undefined, attacker.access);
        assert.equal(totp.status, 403);
        assert.equal(totp.body.error, 'email_not_verified');

        // A factor that got there anyway (e.g. added before this rule) does not survive the
        // victim's reset, even when the reset asks to keep factors.
        const db = (app.composition.directory as SqlUserDirectory).db;
        await app.composition.directory.setEmailVerified(attacker.id);
        const planted = await addPasskey(attacker.access, device);
        await db.query('UPDATE users SET email_verified = false WHERE id = $1', [attacker.id]);

        // The victim asks for a reset of their address and uses the link.
        assert.equal((await post('/auth/password-reset/request', { email: attacker.email })).status, 202);
        const link = await mailTo(attacker.email, /reset-password\?token=/);
        const reset = await post('/auth/password-reset', {
          token: tokenOf(link),
          new_password: NEW_PASSWORD,
          keep_factors: true,
        });
        assert.equal(reset.status, 200, reset.text);
        assert.deepEqual(reset.body, { revoked: 1, factors_removed: { passkeys: 1, totp: false } });
        assert.equal((await get('/auth/me', attacker.access)).status, 401, "the attacker's session ended");
        assert.equal((await signInWithPasskey(planted.device)).status, 401, 'the planted passkey is gone');
        assert.equal((await post('/auth/login', { email: attacker.email, password: PASSWORD })).status, 401);
        assert.equal(
          (await post('/auth/login', { email: attacker.email, password: NEW_PASSWORD })).status,
          200,
        );
      });
    });

    describe('the owner learns and recovers', () => {
      it('a mail for each factor change and for a passkey on a new device; a reset removes every factor by default', async () => {
        const v = await victim('notices');
        const { device, id } = await addPasskey(v.access);
        await mailTo(v.email, /A passkey named "Passkey" was added/);
        const secret = await enableTotp(v.access);
        await mailTo(v.email, /authenticator app was turned on/);
        const codes = await post('/auth/mfa/recovery-codes', undefined, v.access);
        assert.equal(codes.status, 200, codes.text);
        assert.equal((codes.body.recovery_codes as string[]).length, 10);
        await mailTo(v.email, /New recovery codes/);

        // The first sign-in with the passkey, and a browser no session has, are new devices.
        assert.equal((await signInWithPasskey(device, 'Phone/1.0')).status, 200);
        await mailTo(v.email, /from a device it had not been used from before.*Phone\/1\.0/s);
        assert.equal((await signInWithPasskey(device, 'Phone/1.0')).status, 200);
        assert.equal((await signInWithPasskey(device, 'Laptop/2.0')).status, 200);
        await mailTo(v.email, /from a device it had not been used from before.*Laptop\/2\.0/s);
        assert.equal(mailsTo(v.email, /Phone\/1\.0/).length, 1, 'a known device is not reported again');

        assert.equal((await del(`/auth/passkeys/${id}`, v.access)).status, 204);
        await mailTo(v.email, /The passkey "Passkey" was removed/);
        await addPasskey(v.access, device);

        const changed = await post(
          '/auth/password',
          { current_password: PASSWORD, new_password: NEW_PASSWORD },
          v.access,
        );
        assert.equal(changed.status, 200, changed.text);
        await mailTo(v.email, /The password of your account was changed/);

        // The reset removes the passkey and TOTP unless asked to keep them.
        await post('/auth/password-reset/request', { email: v.email });
        const link = await mailTo(v.email, /reset-password\?token=/);
        const reset = await post('/auth/password-reset', { token: tokenOf(link), new_password: PASSWORD });
        assert.equal(reset.status, 200, reset.text);
        assert.deepEqual(reset.body.factors_removed, { passkeys: 1, totp: true });
        await mailTo(
          v.email,
          /was reset, every session ended and 1 passkey\(s\) and two-factor login removed/,
        );
        const after = await post('/auth/login', { email: v.email, password: PASSWORD });
        assert.equal(after.status, 200);
        assert.equal(after.body.mfa_required, undefined, 'TOTP is off after the reset');
        assert.equal((await signInWithPasskey(device)).status, 401);
        assert.ok(secret);
      });

      it('keep_factors keeps the factors of a verified account', async () => {
        const v = await victim('keep');
        const { device } = await addPasskey(v.access);
        await post('/auth/password-reset/request', { email: v.email });
        const link = await mailTo(v.email, /reset-password\?token=/);
        const reset = await post('/auth/password-reset', {
          token: tokenOf(link),
          new_password: NEW_PASSWORD,
          keep_factors: true,
        });
        assert.deepEqual(reset.body, { revoked: 1, factors_removed: { passkeys: 0, totp: false } });
        assert.equal((await signInWithPasskey(device)).status, 200);
      });

      it('an email change needs a recent sign-in and the new address; the old one is told', async () => {
        const v = await victim('mover');
        const to = unique('moved');
        const asked = await post('/auth/email', { email: to }, v.access);
        assert.equal(asked.status, 202, asked.text);
        await mailTo(v.email, new RegExp(`change of your account's email address to ${to} was requested`));
        const link = await mailTo(to, /verify-email\?token=/);
        assert.equal(
          (await get('/auth/me', v.access)).body.email,
          v.email,
          'nothing changes before the link',
        );
        const done = await post('/auth/email-verification', { token: tokenOf(link) });
        assert.equal(done.status, 200, done.text);
        assert.deepEqual(done.body, { email: to, email_verified: true });
        await mailTo(v.email, new RegExp(`email address of your account was changed to ${to}`));
        assert.equal((await post('/auth/login', { email: to, password: PASSWORD })).status, 200);
        assert.equal((await post('/auth/email-verification', { token: tokenOf(link) })).status, 400, 'once');
        const taken = await post('/auth/email', { email: to }, (await victim('other')).access);
        assert.equal(taken.status, 409);
        assert.equal(taken.body.error, 'email_taken');
      });

      it("admins list and remove a user's factors, audited; the owner is mailed; others get 403", async () => {
        const admin = await victim('admin');
        await app.composition.directory.setRoles(admin.id, ['admin']);
        const adminToken = (await login(app.target, admin.email)).access;
        const v = await victim('managed');
        const { device, id } = await addPasskey(v.access);
        await enableTotp(v.access);
        assert.equal((await get(`/admin/users/${v.id}/factors`, v.access)).status, 403);
        const listed = await get(`/admin/users/${v.id}/factors`, adminToken);
        assert.equal(listed.status, 200, listed.text);
        assert.deepEqual(
          (listed.body.passkeys as Array<{ id: string }>).map((p) => p.id),
          [id],
        );
        assert.deepEqual((listed.body.totp as Record<string, unknown>).recovery_codes_left, 10);
        const removed = await del(`/admin/users/${v.id}/factors/${id}`, adminToken);
        assert.equal(removed.status, 200, removed.text);
        assert.deepEqual(removed.body, { passkeys: 1, totp: false });
        const totp = await del(`/admin/users/${v.id}/factors/totp`, adminToken);
        assert.deepEqual(totp.body, { passkeys: 0, totp: true });
        assert.equal((await del(`/admin/users/${v.id}/factors/totp`, adminToken)).status, 404);
        assert.equal((await del(`/admin/users/${v.id}/factors/bogus`, adminToken)).status, 404);
        await mailTo(v.email, /An administrator removed 1 passkey/);
        await mailTo(v.email, /An administrator removed two-factor login/);
        const events = await audit(v.id);
        const byAdmin = events.filter((e) => e.type === 'admin_factor_removed');
        assert.equal(byAdmin.length, 2);
        assert.ok(byAdmin.every((e) => e.actorId === admin.id));
        assert.ok(events.some((e) => e.type === 'admin_factors_read' && e.actorId === admin.id));
        assert.equal((await signInWithPasskey(device)).status, 401);
        assert.equal((await get('/auth/me', v.access)).body.mfa_enabled, false);
      });
    });
  });
}
