/**
 * The audit log under a flood, and the security events it must hold. Requests refused
 * before any check (429 logins and passkey options, refused /admin calls) are counted
 * in /metrics and written as one row per type and address per AUDIT_REFUSAL_WINDOW, with
 * the count in `detail`: a 10-second flood writes a bounded number of rows, and their
 * counts add up to every refusal. Every other security event carries the address and the
 * User-Agent.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { AuditEvent } from '../../src/persistence/directory/user-directory.js';
import { composeTestApp, type TestApp } from '../helpers/app.js';
import { call, login, PASSWORD, registerAndLogin } from '../helpers/http.js';
import { PASSKEY_ENV } from '../helpers/passkeys-suite.js';

const WINDOW_SECONDS = 2;
const FLOOD_MS = 10_000;
const UA = 'audit-test/1.0';
const email = (tag: string): string => `${tag}-${randomUUID().slice(0, 8)}@example.test`;

async function events(app: TestApp, type: string): Promise<AuditEvent[]> {
  const page = await app.composition.directory.listAudit({ type, limit: 1000 });
  return page.items;
}

const counted = (rows: AuditEvent[]): number => rows.reduce((n, r) => n + Number(r.detail.count), 0);

describe('audit flood: refusals before any check', () => {
  let app: TestApp;
  before(async () => {
    app = await composeTestApp({
      STORE: 'memory',
      LOGIN_MAX_FAILURES_PER_IP: '2',
      AUDIT_REFUSAL_WINDOW: String(WINDOW_SECONDS),
      ...PASSKEY_ENV,
    });
  });
  after(async () => {
    await app?.close();
  });

  it(`a ${FLOOD_MS / 1000} s flood of 429s and refused /admin calls writes a bounded number of rows, counting every one`, async () => {
    const victim = email('flooded');
    await registerAndLogin(app.target, victim);
    const headers = { 'user-agent': UA };
    // Two wrong passwords lock the address.
    for (let i = 0; i < 2; i++) {
      await call(app.target, 'POST', '/auth/login', {
        body: { email: victim, password: 'wrong password!' },
        headers,
      });
    }
    const statuses = { login: 0, options: 0, admin: 0, other: 0 };
    const started = Date.now();
    const lane = async (): Promise<void> => {
      for (let i = 0; Date.now() - started < FLOOD_MS && i < 200_000; i++) {
        const which = i % 3;
        const r =
          which === 0
            ? await call(app.target, 'POST', '/auth/login', {
                body: { email: victim, password: 'guess' + i },
                headers,
              })
            : which === 1
              ? await call(app.target, 'POST', '/auth/passkeys/login/options', {
                  body: { email: victim },
                  headers,
                })
              : await call(app.target, 'GET', '/admin/users', { headers });
        if (which === 0 && r.status === 429) statuses.login++;
        else if (which === 1 && r.status === 429) statuses.options++;
        else if (which === 2 && r.status === 401) statuses.admin++;
        else statuses.other++;
      }
    };
    await Promise.all([lane(), lane(), lane(), lane()]);
    // The last window is written when it closes.
    await delay(WINDOW_SECONDS * 1000 + 500);

    assert.equal(statuses.other, 0, 'every flood request was refused');
    assert.ok(statuses.login + statuses.options > 300, `a real flood: ${JSON.stringify(statuses)}`);
    const windows = Math.ceil(FLOOD_MS / 1000 / WINDOW_SECONDS) + 2;
    const locked = await events(app, 'login_locked');
    const admin = await events(app, 'admin_refused');
    assert.ok(
      locked.length <= windows,
      `${locked.length} login_locked rows for ${statuses.login + statuses.options} refusals`,
    );
    assert.ok(admin.length <= windows, `${admin.length} admin_refused rows for ${statuses.admin} refusals`);
    // Nothing lost: the rows count every refusal, by what was refused.
    assert.equal(counted(locked), statuses.login + statuses.options);
    assert.equal(counted(admin), statuses.admin);
    const by = (rows: AuditEvent[], what: string) =>
      rows.reduce((n, r) => n + Number((r.detail.by as Record<string, number>)[what] ?? 0), 0);
    assert.equal(by(locked, 'password'), statuses.login);
    assert.equal(by(locked, 'passkey'), statuses.options);
    for (const row of [...locked, ...admin]) {
      assert.equal(row.ip, '127.0.0.1');
      assert.equal(row.userAgent, UA);
      assert.equal(row.detail.window_seconds, WINDOW_SECONDS);
    }
    assert.deepEqual(locked.find((r) => r.detail.subjects)?.detail.subjects, [victim]);
    // And the metric counted each.
    const metrics = await app.composition.metrics.registry.getSingleMetricAsString(
      'tollgate_auth_events_total',
    );
    const value = (event: string) => Number(new RegExp(`event="${event}"} (\\d+)`).exec(metrics)?.[1] ?? 0);
    assert.equal(value('login_locked'), statuses.login + statuses.options);
    assert.equal(value('admin_refused'), statuses.admin);
  });
});

describe('security events carry the address and the User-Agent', () => {
  let app: TestApp;
  before(async () => {
    app = await composeTestApp({ STORE: 'memory' });
  });
  after(async () => {
    await app?.close();
  });
  const headers = { 'user-agent': UA };

  async function lastOf(type: string): Promise<AuditEvent> {
    const [row] = await events(app, type);
    assert.ok(row, `a ${type} row`);
    assert.equal(row.ip, '127.0.0.1', type);
    assert.equal(row.userAgent, UA, type);
    return row;
  }

  it('logout, revoke, session_revoked, refresh_reused, logout_all, a refused deletion, admin reads and refusals', async () => {
    const e = email('events');
    const a = await registerAndLogin(app.target, e);
    assert.equal((await call(app.target, 'POST', '/auth/logout', { token: a.access, headers })).status, 200);
    assert.equal((await lastOf('logout')).detail.sid !== undefined, true);

    const b = await login(app.target, e, PASSWORD);
    assert.equal(
      (await call(app.target, 'POST', '/auth/revoke', { body: { token: b.refresh }, headers })).status,
      200,
    );
    assert.equal((await lastOf('token_revoked')).detail.token_type, 'refresh_token');
    // An unknown token writes nothing (anyone may post one).
    const before = (await events(app, 'token_revoked')).length;
    await call(app.target, 'POST', '/auth/revoke', { body: { token: 'not-a-token' }, headers });
    assert.equal((await events(app, 'token_revoked')).length, before);

    const c = await login(app.target, e, PASSWORD);
    await login(app.target, e, PASSWORD);
    const sessions = await call(app.target, 'GET', '/auth/sessions', { token: c.access });
    const other = (sessions.body.sessions as Array<{ id: string; current: boolean }>).find(
      (s) => !s.current,
    )!;
    const ended = await call(app.target, 'DELETE', `/auth/sessions/${other.id}`, {
      token: c.access,
      headers,
    });
    assert.equal(ended.status, 204);
    await lastOf('session_revoked');

    const rotated = await call(app.target, 'POST', '/auth/refresh', {
      body: { refresh_token: c.refresh },
      headers,
    });
    assert.equal(rotated.status, 200);
    // A token two rotations old is reuse (the retry grace covers only the last rotation).
    const again = await call(app.target, 'POST', '/auth/refresh', {
      body: { refresh_token: String(rotated.body.refresh_token) },
      headers,
    });
    assert.equal(again.status, 200);
    const reused = await call(app.target, 'POST', '/auth/refresh', {
      body: { refresh_token: c.refresh },
      headers,
    });
    assert.equal(reused.status, 401);
    await lastOf('refresh_reused');

    const f = await login(app.target, e, PASSWORD);
    const refused = await call(app.target, 'DELETE', '/auth/account', {
      token: f.access,
      body: { password: 'not the password' },
      headers,
    });
    assert.equal(refused.status, 401);
    assert.equal((await lastOf('account_deletion_refused')).detail.reason, 'wrong_password');
    assert.equal(
      (await call(app.target, 'POST', '/auth/logout-all', { token: f.access, headers })).status,
      200,
    );
    await lastOf('logout_all');

    const adminEmail = email('admin');
    await registerAndLogin(app.target, adminEmail);
    const account = await app.composition.directory.findByEmail(adminEmail);
    await app.composition.directory.setRoles(account!.id, ['admin']);
    const admin = await login(app.target, adminEmail, PASSWORD);
    assert.equal(
      (await call(app.target, 'GET', '/admin/audit?type=logout', { token: admin.access, headers })).status,
      200,
    );
    const read = await lastOf('admin_read');
    assert.equal(read.actorId, account!.id);
    assert.equal(read.detail.route, '/admin/audit');
    const user = await call(app.target, 'GET', `/admin/users/${account!.id}`, {
      token: admin.access,
      headers,
    });
    assert.equal(user.status, 200);
    assert.equal((await lastOf('admin_read')).detail.user_id, account!.id);
  });
});
