/**
 * The account and administration API, walked through the app: run on the memory store
 * with PGlite (test/unit/accounts-api.test.ts) and on Redis with PostgreSQL
 * (test/integration/accounts-api-postgres.test.ts).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import type { TestApp } from './app.js';
import { call, login, PASSWORD, register, registerAndLogin, type Session, type Target } from './http.js';

const email = (tag: string): string => `${tag}-${randomUUID().slice(0, 8)}@example.test`;
const NEW_PASSWORD = 'an entirely new passphrase';

export function accountsSuite(name: string, start: () => Promise<TestApp>): void {
  describe(`accounts and administration API (${name})`, () => {
    let t: TestApp;
    let url: Target;
    before(async () => {
      t = await start();
      url = t.target;
    });
    after(async () => t?.close());

    /** An administrator: the role is given in the database, then a login carries it. */
    async function adminSession(): Promise<Session & { id: string }> {
      const e = email('admin');
      await register(url, e);
      const account = await t.composition.directory.findByEmail(e);
      await t.composition.directory.setRoles(account!.id, ['admin']);
      return { ...(await login(url, e)), id: account!.id };
    }

    const ok = async (token: string): Promise<boolean> =>
      (await call(url, 'GET', '/api/protected', { token })).status === 200;

    it('GET /auth/me shows the account; tokens carry roles and email_verified', async () => {
      const e = email('me');
      const s = await registerAndLogin(url, e);
      const r = await call(url, 'GET', '/auth/me', { token: s.access });
      assert.equal(r.status, 200);
      assert.equal(r.body.email, e);
      assert.equal(r.body.email_verified, false);
      assert.equal(r.body.mfa_enabled, false);
      assert.match(String(r.body.id), /^[0-9a-f-]{36}$/);
      assert.ok(!Number.isNaN(Date.parse(String(r.body.created_at))));
      const claims = decodeJwt(s.access);
      assert.deepEqual(claims.roles, []);
      assert.equal(claims.email_verified, false);
      assert.equal((await call(url, 'GET', '/auth/me')).status, 401);
    });

    it('lists the live sessions, marks the current one, and ends one by id (only its own)', async () => {
      const e = email('sessions');
      await register(url, e);
      const first = await login(url, e);
      const second = await login(url, e);
      const other = await registerAndLogin(url, email('other'));
      const list = await call(url, 'GET', '/auth/sessions', {
        token: second.access,
        headers: { 'user-agent': 'session-test/1.0' },
      });
      assert.equal(list.status, 200);
      const sessions = list.body.sessions as Array<Record<string, unknown>>;
      assert.equal(sessions.length, 2);
      const current = sessions.filter((x) => x.current);
      assert.equal(current.length, 1);
      assert.equal(current[0]!.id, decodeJwt(second.access).sid);
      for (const x of sessions) {
        assert.ok(
          !Number.isNaN(Date.parse(String(x.created_at))) &&
            !Number.isNaN(Date.parse(String(x.last_seen_at))),
        );
        assert.equal(typeof x.ip, 'string');
      }
      const firstSid = String(decodeJwt(first.access).sid);
      const otherSid = String(decodeJwt(other.access).sid);
      assert.equal(
        (await call(url, 'DELETE', `/auth/sessions/${otherSid}`, { token: second.access })).status,
        404,
      );
      assert.ok(await ok(other.access), "another user's session is untouched");
      assert.equal(
        (await call(url, 'DELETE', `/auth/sessions/${firstSid}`, { token: second.access })).status,
        204,
      );
      assert.equal(await ok(first.access), false);
      assert.ok(await ok(second.access));
      assert.equal(
        (await call(url, 'DELETE', `/auth/sessions/${firstSid}`, { token: second.access })).status,
        404,
      );
    });

    it('changes the password: every other session ends, this one stays, the old password is dead', async () => {
      const e = email('pw');
      await register(url, e);
      const keep = await login(url, e);
      const others = [await login(url, e), await login(url, e)];
      const wrong = await call(url, 'POST', '/auth/password', {
        token: keep.access,
        body: { current_password: 'not the password', new_password: NEW_PASSWORD },
      });
      assert.equal(wrong.status, 401);
      assert.equal(wrong.body.error, 'invalid_credentials');
      const short = await call(url, 'POST', '/auth/password', {
        token: keep.access,
        body: { current_password: PASSWORD, new_password: 'short' },
      });
      assert.equal(short.status, 400);
      const r = await call(url, 'POST', '/auth/password', {
        token: keep.access,
        body: { current_password: PASSWORD, new_password: NEW_PASSWORD },
      });
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, { revoked: 2 });
      for (const o of others) assert.equal(await ok(o.access), false);
      assert.ok(await ok(keep.access));
      assert.equal(
        (await call(url, 'POST', '/auth/login', { body: { email: e, password: PASSWORD } })).status,
        401,
      );
      await login(url, e, NEW_PASSWORD);
    });

    it('deletes the account with its password: tokens die, login fails, the email is free again', async () => {
      const e = email('delete');
      const s = await registerAndLogin(url, e);
      const wrong = await call(url, 'DELETE', '/auth/account', {
        token: s.access,
        body: { password: 'nope nope' },
      });
      assert.equal(wrong.status, 401);
      assert.equal(
        (await call(url, 'DELETE', '/auth/account', { token: s.access, body: { password: PASSWORD } }))
          .status,
        204,
      );
      assert.equal(await ok(s.access), false);
      assert.equal(
        (await call(url, 'POST', '/auth/login', { body: { email: e, password: PASSWORD } })).status,
        401,
      );
      assert.equal(
        (await call(url, 'POST', '/auth/register', { body: { email: e, password: PASSWORD } })).status,
        201,
      );
    });

    it('admin: search, inspect, disable (sessions end; 403 after a right password), enable, logout-all, delete', async () => {
      const admin = await adminSession();
      const e = email('managed');
      const user = await registerAndLogin(url, e);
      const id = String(decodeJwt(user.access).sub);

      const found = await call(url, 'GET', `/admin/users?q=${encodeURIComponent(e.slice(0, 15))}`, {
        token: admin.access,
      });
      assert.equal(found.status, 200);
      assert.ok((found.body.users as Array<{ id: string }>).some((u) => u.id === id));
      const one = await call(url, 'GET', `/admin/users/${id}`, { token: admin.access });
      assert.equal(one.status, 200);
      assert.equal(one.body.email, e);
      assert.equal(one.body.sessions, 1);

      const disabled = await call(url, 'POST', `/admin/users/${id}/disable`, { token: admin.access });
      assert.equal(disabled.status, 200);
      assert.equal(disabled.body.disabled, true);
      assert.equal(disabled.body.revoked, 1);
      assert.equal(await ok(user.access), false, 'the disabled account is refused at once');
      const right = await call(url, 'POST', '/auth/login', { body: { email: e, password: PASSWORD } });
      assert.equal(right.status, 403);
      assert.equal(right.body.error, 'account_disabled');
      const wrongPw = await call(url, 'POST', '/auth/login', {
        body: { email: e, password: 'wrong guess!' },
      });
      assert.equal(wrongPw.status, 401);
      assert.equal(
        (await call(url, 'POST', '/auth/refresh', { body: { refresh_token: user.refresh } })).status,
        401,
      );

      assert.equal(
        (await call(url, 'POST', `/admin/users/${id}/enable`, { token: admin.access })).status,
        200,
      );
      const again = await login(url, e);
      await login(url, e);
      const out = await call(url, 'POST', `/admin/users/${id}/logout-all`, { token: admin.access });
      assert.deepEqual(out.body, { revoked: 2 });
      assert.equal(await ok(again.access), false);

      assert.equal((await call(url, 'DELETE', `/admin/users/${id}`, { token: admin.access })).status, 204);
      assert.equal((await call(url, 'GET', `/admin/users/${id}`, { token: admin.access })).status, 404);
      assert.equal(
        (await call(url, 'POST', `/admin/users/${randomUUID()}/disable`, { token: admin.access })).status,
        404,
      );
    });

    it('admin: the audit log shows each step, newest first, with the acting admin', async () => {
      const admin = await adminSession();
      const e = email('audited');
      await register(url, e);
      await call(url, 'POST', '/auth/login', { body: { email: e, password: 'wrong guess!' } });
      const s = await login(url, e);
      const id = String(decodeJwt(s.access).sub);
      await call(url, 'POST', '/auth/password', {
        token: s.access,
        body: { current_password: PASSWORD, new_password: NEW_PASSWORD },
      });
      await call(url, 'POST', `/admin/users/${id}/disable`, { token: admin.access });
      const r = await call(url, 'GET', `/admin/audit?user_id=${id}`, { token: admin.access });
      assert.equal(r.status, 200);
      const events = r.body.events as Array<Record<string, unknown>>;
      assert.deepEqual(
        events.map((x) => x.type),
        ['account_disabled', 'password_changed', 'login_success', 'login_failure', 'register'],
      );
      assert.equal(events[0]!.actor_id, admin.id);
      assert.equal(typeof events[2]!.ip, 'string');
      const failures = await call(url, 'GET', `/admin/audit?user_id=${id}&type=login_failure&limit=1`, {
        token: admin.access,
      });
      assert.equal((failures.body.events as unknown[]).length, 1);
      assert.equal(failures.body.next_cursor, null);
      const paged = await call(url, 'GET', `/admin/audit?user_id=${id}&limit=2`, { token: admin.access });
      const next = await call(
        url,
        'GET',
        `/admin/audit?user_id=${id}&limit=2&cursor=${String(paged.body.next_cursor)}`,
        {
          token: admin.access,
        },
      );
      assert.deepEqual(
        [
          ...(paged.body.events as Array<{ type: string }>),
          ...(next.body.events as Array<{ type: string }>),
        ].map((x) => x.type),
        ['account_disabled', 'password_changed', 'login_success', 'login_failure'],
      );
    });

    it('admin routes refuse non-admins, and re-check the role in the database', async () => {
      const plain = await registerAndLogin(url, email('plain'));
      const r = await call(url, 'GET', '/admin/users', { token: plain.access });
      assert.equal(r.status, 403);
      assert.equal(r.body.error, 'forbidden');
      assert.equal((await call(url, 'GET', '/admin/users')).status, 401);
      const admin = await adminSession();
      assert.equal((await call(url, 'GET', '/admin/users', { token: admin.access })).status, 200);
      // Demoted in the database: the role still in the token is not enough.
      await t.composition.directory.setRoles(admin.id, []);
      assert.equal((await call(url, 'GET', '/admin/users', { token: admin.access })).status, 403);
      assert.equal((await call(url, 'GET', '/admin/audit', { token: admin.access })).status, 403);
    });

    it('admin: refuses bad input with 400', async () => {
      const admin = await adminSession();
      for (const path of [
        '/admin/users?limit=0',
        '/admin/users?limit=abc',
        '/admin/users?cursor=%25%25',
        '/admin/audit?limit=1000',
      ]) {
        const r = await call(url, 'GET', path, { token: admin.access });
        assert.equal(r.status, 400, path);
        assert.equal(r.body.error, 'invalid_request', path);
      }
      const self = await call(url, 'POST', `/admin/users/${admin.id}/disable`, { token: admin.access });
      assert.equal(self.status, 400, 'an admin cannot lock themselves out here');
    });
  });
}
