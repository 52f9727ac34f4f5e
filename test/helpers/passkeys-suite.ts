/**
 * The passkey routes, end to end through HTTP with a software authenticator
 * (test/helpers/soft-authenticator.ts): registration, listing, removal and passwordless
 * login, and every way an answer must be refused. Run on the memory store with PGlite
 * (unit) and on Redis with PostgreSQL (integration).
 */
import { DECOY_SHAPES } from '../../src/flows/login/passkey-decoy.js';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { SqlUserDirectory } from '../../src/persistence/directory/sql-user-directory.js';
import { generateTotpCode } from '../../src/crypto/totp.js';
import type { TestApp } from './app.js';
import { call, login, PASSWORD, register, type HttpResult } from './http.js';
import { SoftAuthenticator, type Overrides } from './soft-authenticator.js';

export const RP_ID = 'auth.example.test';
export const ORIGIN = `https://${RP_ID}`;
/** The environment the suite's app needs (with STORE or REDIS_URL added by the caller). */
export const PASSKEY_ENV = { PUBLIC_URL: ORIGIN };

type Json = Record<string, unknown>;

const email = (tag: string): string => `${tag}-${randomUUID().slice(0, 8)}@example.test`;

export function passkeysSuite(name: string, start: () => Promise<TestApp>): void {
  describe(`passkeys: ${name}`, () => {
    let app: TestApp;
    before(async () => {
      app = await start();
    });
    after(async () => app?.close());

    const post = (path: string, body?: unknown, token?: string): Promise<HttpResult> =>
      call(app.target, 'POST', path, {
        ...(body === undefined ? {} : { body }),
        ...(token ? { token } : {}),
      });

    /**
     * A registered account with a verified address (factors are added only then) and a
     * session signed in just now (adding a factor needs a recent sign-in).
     */
    async function user(tag = 'pk'): Promise<{ email: string; access: string; id: string }> {
      const e = email(tag);
      await register(app.target, e);
      const account = (await app.composition.directory.findByEmail(e))!;
      await app.composition.directory.setEmailVerified(account.id);
      const s = await login(app.target, e);
      return { email: e, access: s.access, id: account.id };
    }

    async function addPasskey(
      access: string,
      authenticator = new SoftAuthenticator({ origin: ORIGIN }),
      name?: string,
    ): Promise<{ authenticator: SoftAuthenticator; id: string }> {
      const options = await post('/auth/passkeys/register/options', undefined, access);
      assert.equal(options.status, 200, options.text);
      const verify = await post(
        '/auth/passkeys/register/verify',
        {
          response: authenticator.create(options.body as never),
          ...(name ? { name } : {}),
        },
        access,
      );
      assert.equal(verify.status, 201, verify.text);
      return { authenticator, id: String(verify.body.id) };
    }

    async function signIn(
      authenticator: SoftAuthenticator,
      overrides: Overrides = {},
      body: Json = {},
    ): Promise<{ result: HttpResult; response: Json }> {
      const options = await post('/auth/passkeys/login/options', body);
      assert.equal(options.status, 200, options.text);
      const response = authenticator.get(options.body as never, overrides);
      return { result: await post('/auth/passkeys/login/verify', { response }), response };
    }

    const audit = async (userId: string): Promise<Array<{ type: string; detail: Json }>> =>
      (await app.composition.directory.listAudit({ userId, limit: 50 })).items;

    const authEvents = async (event: string): Promise<number> => {
      const metric = await app.composition.metrics.authEvents.get();
      return metric.values.find((v) => v.labels.event === event)?.value ?? 0;
    };

    describe('registration', () => {
      it('needs a session', async () => {
        const r = await post('/auth/passkeys/register/options');
        assert.equal(r.status, 401);
        assert.equal(r.body.error, 'invalid_token');
        const v = await post('/auth/passkeys/register/verify', { response: {} });
        assert.equal(v.status, 401);
      });

      it('offers a discoverable credential with user verification for this relying party, and stores it', async () => {
        const u = await user();
        const options = await post('/auth/passkeys/register/options', undefined, u.access);
        assert.equal(options.status, 200);
        assert.equal(options.headers['cache-control'], 'no-store');
        const o = options.body as {
          challenge: string;
          rp: { id: string; name: string };
          user: { id: string; name: string };
          authenticatorSelection: Json;
          excludeCredentials: unknown[];
          timeout: number;
          pubKeyCredParams: unknown[];
        };
        // The same algorithms on every Node version of a fleet: EdDSA, ES256, RS256.
        assert.deepEqual(o.pubKeyCredParams, [
          { alg: -8, type: 'public-key' },
          { alg: -7, type: 'public-key' },
          { alg: -257, type: 'public-key' },
        ]);
        assert.match(o.challenge, /^[A-Za-z0-9_-]{43}$/);
        assert.deepEqual(o.rp, { id: RP_ID, name: 'tollgate' });
        assert.equal(o.user.name, u.email);
        assert.equal(Buffer.from(o.user.id, 'base64url').toString('hex'), u.id.replace(/-/g, ''));
        assert.equal(o.authenticatorSelection.residentKey, 'required');
        assert.equal(o.authenticatorSelection.userVerification, 'required');
        assert.deepEqual(o.excludeCredentials, []);
        assert.equal(o.timeout, 300_000);

        const device = new SoftAuthenticator({ origin: ORIGIN, counter: 4 });
        const verify = await post(
          '/auth/passkeys/register/verify',
          { response: device.create(options.body as never), name: '  Work laptop ' },
          u.access,
        );
        assert.equal(verify.status, 201, verify.text);
        assert.deepEqual(Object.keys(verify.body).sort(), ['created_at', 'id', 'name']);
        assert.equal(verify.body.name, 'Work laptop');

        const list = await call(app.target, 'GET', '/auth/passkeys', { token: u.access });
        assert.equal(list.status, 200);
        assert.deepEqual(list.body.passkeys, [
          {
            id: verify.body.id,
            name: 'Work laptop',
            created_at: verify.body.created_at,
            last_used_at: null,
            device_type: 'multiDevice',
            backed_up: true,
            transports: ['internal'],
          },
        ]);
        const events = await audit(u.id);
        assert.equal(events[0]?.type, 'passkey_added');
        assert.equal(events[0]?.detail.passkey, verify.body.id);

        // The next options exclude it, so the authenticator will not register twice.
        const again = await post('/auth/passkeys/register/options', undefined, u.access);
        assert.deepEqual(
          (again.body.excludeCredentials as Array<{ id: string }>).map((c) => c.id),
          [device.id],
        );
      });

      it('names a passkey "Passkey" by default', async () => {
        const u = await user();
        await addPasskey(u.access);
        const list = await call(app.target, 'GET', '/auth/passkeys', { token: u.access });
        assert.equal((list.body.passkeys as Json[])[0]?.name, 'Passkey');
      });

      it('refuses a used, foreign or made-up challenge, a wrong origin or rp id, no user verification, a duplicate', async () => {
        const u = await user();
        const other = await user();
        const refused = async (response: Json, token = u.access, why = ''): Promise<void> => {
          const r = await post('/auth/passkeys/register/verify', { response }, token);
          assert.equal(r.status, 400, `${why}: ${r.text}`);
          assert.equal(r.body.error, 'invalid_request', why);
        };
        const options = async (token = u.access) =>
          (await post('/auth/passkeys/register/options', undefined, token)).body as never;

        const device = new SoftAuthenticator({ origin: ORIGIN });
        const first = await options();
        const response = device.create(first);
        assert.equal((await post('/auth/passkeys/register/verify', { response }, u.access)).status, 201);
        await refused(response, u.access, 'the same answer again (challenge used)');

        await refused(
          new SoftAuthenticator({ origin: ORIGIN }).create(await options(other.access)),
          u.access,
          "another account's challenge",
        );
        await refused(
          new SoftAuthenticator({ origin: ORIGIN }).create(await options(), { challenge: 'A'.repeat(43) }),
          u.access,
          'a challenge never given out',
        );
        await refused(
          new SoftAuthenticator({ origin: 'https://evil.example' }).create(await options()),
          u.access,
          'a wrong origin',
        );
        await refused(
          new SoftAuthenticator({ origin: ORIGIN, rpId: 'example.test' }).create(await options()),
          u.access,
          'a wrong rp id',
        );
        await refused(
          new SoftAuthenticator({ origin: ORIGIN, userVerified: false }).create(await options()),
          u.access,
          'no user verification',
        );
        await refused(
          new SoftAuthenticator({ origin: ORIGIN }).create(await options(), { type: 'webauthn.get' }),
          u.access,
          'an assertion instead of an attestation',
        );
        await refused(device.create(await options()), u.access, 'a credential registered already');
        const bad = await post('/auth/passkeys/register/verify', { response: { id: 'x' } }, u.access);
        assert.equal(bad.status, 400);
        assert.equal(bad.body.error, 'invalid_request');
        const list = await call(app.target, 'GET', '/auth/passkeys', { token: u.access });
        assert.equal((list.body.passkeys as unknown[]).length, 1);
      });
    });

    describe('passwordless login', () => {
      it('a discoverable passkey signs in: a token pair that opens the protected route; the assertion is good once', async () => {
        const u = await user();
        const { authenticator, id } = await addPasskey(u.access);
        const options = await call(app.target, 'POST', '/auth/passkeys/login/options');
        assert.equal(options.status, 200, 'no body at all is "no email"');
        const o = options.body as Json;
        assert.equal(o.rpId, RP_ID);
        assert.equal(o.userVerification, 'required');
        assert.equal(o.allowCredentials, undefined, 'any discoverable passkey');
        assert.equal(options.headers['cache-control'], 'no-store');

        const response = authenticator.get(o as never);
        const ok = await post('/auth/passkeys/login/verify', { response });
        assert.equal(ok.status, 200, ok.text);
        assert.deepEqual(Object.keys(ok.body).sort(), [
          'access_token',
          'expires_in',
          'refresh_token',
          'token_type',
        ]);
        assert.equal(ok.body.token_type, 'bearer');
        const prot = await call(app.target, 'GET', '/api/protected', { token: String(ok.body.access_token) });
        assert.equal(prot.status, 200);
        assert.equal(prot.body.user, u.email);
        const refreshed = await post('/auth/refresh', { refresh_token: ok.body.refresh_token });
        assert.equal(refreshed.status, 200, 'a refreshable session');

        const replay = await post('/auth/passkeys/login/verify', { response });
        assert.equal(replay.status, 401);
        assert.equal(replay.body.error, 'invalid_credentials');

        const list = await call(app.target, 'GET', '/auth/passkeys', { token: u.access });
        const entry = (list.body.passkeys as Json[]).find((p) => p.id === id)!;
        assert.equal(typeof entry.last_used_at, 'string');
        const events = await audit(u.id);
        const success = events.find((e) => e.type === 'login_success' && e.detail.method === 'passkey');
        assert.ok(success, 'audited as a passkey login');
        assert.equal(success.detail.passkey, id);
        assert.ok(
          events.some((e) => e.type === 'login_failure' && e.detail.reason === 'unknown_challenge'),
          'the replay is audited against the account',
        );
      });

      it('refuses an assertion made in a cross-origin frame when no top origin is configured', async () => {
        const u = await user();
        const { authenticator } = await addPasskey(u.access);
        for (const topOrigin of [null, 'https://framing.example']) {
          const { result } = await signIn(authenticator, { topOrigin });
          assert.equal(result.status, 401, String(topOrigin));
          assert.equal(result.body.error, 'invalid_credentials');
        }
        const events = (await app.composition.directory.listAudit({ type: 'login_failure', limit: 50 }))
          .items;
        assert.ok(events.some((e) => e.detail.reason === 'cross_origin'));
        assert.equal((await signIn(authenticator)).result.status, 200, 'the same passkey, not framed');
      });

      it('by email: the account passkeys are offered; an email without passkeys gets a stable stand-in, shaped the same', async () => {
        const u = await user();
        const { authenticator } = await addPasskey(u.access);
        const withKeys = await post('/auth/passkeys/login/options', { email: u.email.toUpperCase() });
        assert.equal(withKeys.status, 200);
        const allow = withKeys.body.allowCredentials as Array<{ id: string; type: string }>;
        assert.deepEqual(
          allow.map((c) => c.id),
          [authenticator.id],
        );
        const ok = await post('/auth/passkeys/login/verify', {
          response: authenticator.get(withKeys.body as never),
        });
        assert.equal(ok.status, 200, ok.text);

        const unknown = email('nobody');
        const a = await post('/auth/passkeys/login/options', { email: unknown });
        const b = await post('/auth/passkeys/login/options', { email: unknown });
        const noPasskeys = await user();
        const c = await post('/auth/passkeys/login/options', { email: noPasskeys.email });
        for (const r of [a, b, c]) {
          assert.equal(r.status, 200);
          assert.deepEqual(Object.keys(r.body).sort(), Object.keys(withKeys.body).sort());
          const offered = r.body.allowCredentials as Array<{
            id: string;
            type: string;
            transports: string[];
          }>;
          assert.ok(offered.length === 1 || offered.length === 2);
          for (const c of offered) {
            // Shaped like a credential of a real authenticator, not one fixed shape.
            const shape = DECOY_SHAPES.find(
              (s) =>
                Buffer.from(c.id, 'base64url').length === s.bytes &&
                String(s.transports) === String(c.transports),
            );
            assert.ok(shape, JSON.stringify(c));
            assert.equal(c.type, 'public-key');
          }
        }
        const idOf = (r: HttpResult) => (r.body.allowCredentials as Array<{ id: string }>)[0]!.id;
        assert.deepEqual(a.body.allowCredentials, b.body.allowCredentials, 'the same stand-ins every time');
        assert.notEqual(idOf(a), idOf(c), 'one per email');
        assert.notEqual(a.body.challenge, b.body.challenge);

        // A challenge given for one email is not answered by another account's passkey.
        const answered = await post('/auth/passkeys/login/verify', {
          response: authenticator.get(a.body as never),
        });
        assert.equal(answered.status, 401);
        const bad = await post('/auth/passkeys/login/options', { email: 'not-an-email' });
        assert.equal(bad.status, 400);
        assert.equal(bad.body.error, 'invalid_request');
      });

      it('refuses a wrong origin, a wrong rp id, no user verification, a bad signature, an unknown credential', async () => {
        const u = await user();
        const { authenticator } = await addPasskey(u.access);
        const refused = async (result: HttpResult, why: string): Promise<void> => {
          assert.equal(result.status, 401, `${why}: ${result.text}`);
          assert.equal(result.body.error, 'invalid_credentials', why);
        };
        await refused(
          (await signIn(authenticator, { origin: 'https://evil.example' })).result,
          'wrong origin',
        );
        await refused((await signIn(authenticator, { origin: `http://${RP_ID}` })).result, 'http origin');
        await refused((await signIn(authenticator, { rpId: 'example.test' })).result, 'wrong rp id');
        await refused((await signIn(authenticator, { userVerified: false })).result, 'no user verification');
        await refused((await signIn(authenticator, { type: 'webauthn.create' })).result, 'wrong type');

        const options = await post('/auth/passkeys/login/options', {});
        const response = authenticator.get(options.body as never) as { response: Json };
        const sig = Buffer.from(String(response.response.signature), 'base64url');
        sig[sig.length - 1]! ^= 0x01;
        response.response.signature = sig.toString('base64url');
        await refused(await post('/auth/passkeys/login/verify', { response }), 'tampered signature');

        const stranger = new SoftAuthenticator({ origin: ORIGIN });
        await refused((await signIn(stranger)).result, 'a credential never registered');

        // After all that, the right answer still works.
        assert.equal((await signIn(authenticator)).result.status, 200);
      });

      it('a cloned authenticator (counter not moving forward) is refused, audited and counted', async () => {
        const u = await user();
        const { authenticator, id } = await addPasskey(
          u.access,
          new SoftAuthenticator({ origin: ORIGIN, counter: 10 }),
        );
        const clone = authenticator.clone();
        assert.equal((await signIn(authenticator)).result.status, 200); // counter 11
        const before = await authEvents('passkey_counter_regression');
        const cloned = await signIn(clone); // also 11
        assert.equal(cloned.result.status, 401);
        assert.equal(cloned.result.body.error, 'invalid_credentials');
        assert.equal(await authEvents('passkey_counter_regression'), before + 1);
        const event = (await audit(u.id)).find((e) => e.type === 'passkey_counter_regression');
        assert.ok(event, 'audited');
        assert.deepEqual(event.detail, { passkey: id, stored_counter: 11, presented_counter: 11 });
        const metrics = await call(app.target, 'GET', '/metrics');
        assert.match(metrics.text, /tollgate_auth_events_total\{event="passkey_counter_regression"\} [1-9]/);
        // The genuine authenticator carries on.
        assert.equal((await signIn(authenticator)).result.status, 200);
      });

      it('an authenticator without a counter (always 0) signs in every time', async () => {
        const u = await user();
        const { authenticator } = await addPasskey(
          u.access,
          new SoftAuthenticator({ origin: ORIGIN, step: 0 }),
        );
        assert.equal((await signIn(authenticator)).result.status, 200);
        assert.equal((await signIn(authenticator)).result.status, 200);
      });

      it('a disabled account answers 403 account_disabled after a correct passkey; a wrong one gets 401', async () => {
        const u = await user();
        const { authenticator } = await addPasskey(u.access);
        await app.composition.directory.setDisabled(u.id, true);
        const r = (await signIn(authenticator)).result;
        assert.equal(r.status, 403);
        assert.equal(r.body.error, 'account_disabled');
        assert.equal((await signIn(authenticator, { userVerified: false })).result.status, 401);
        await app.composition.directory.setDisabled(u.id, false);
        assert.equal((await signIn(authenticator)).result.status, 200);
      });
    });

    describe('with TOTP on', () => {
      it('a passkey sign-in is both factors: tokens at once, while a password login asks for the code', async () => {
        const u = await user('totp');
        const { authenticator } = await addPasskey(u.access);
        const setup = await post('/auth/mfa/totp/setup', undefined, u.access);
        assert.equal(setup.status, 200, setup.text);
        const on = await post(
          '/auth/mfa/totp/enable',
          { code: generateTotpCode(String(setup.body.secret)) },
          u.access,
        );
        assert.equal(on.status, 200, on.text);
        const password = await post('/auth/login', { email: u.email, password: PASSWORD });
        assert.equal(password.status, 200);
        assert.equal(password.body.mfa_required, true, 'the password alone is one factor');
        const signed = (await signIn(authenticator)).result;
        assert.equal(signed.status, 200, signed.text);
        assert.equal(typeof signed.body.access_token, 'string');
        assert.equal(signed.body.mfa_required, undefined);
      });
    });

    describe('removal', () => {
      it("removes the caller's own passkey; anything else is 404; a removed passkey no longer signs in", async () => {
        const u = await user();
        const other = await user();
        const { authenticator, id } = await addPasskey(u.access);
        const foreign = await call(app.target, 'DELETE', `/auth/passkeys/${id}`, { token: other.access });
        assert.equal(foreign.status, 404);
        assert.equal(foreign.body.error, 'not_found');
        for (const bogus of [randomUUID(), 'not-a-uuid']) {
          const r = await call(app.target, 'DELETE', `/auth/passkeys/${bogus}`, { token: u.access });
          assert.equal(r.status, 404, bogus);
        }
        assert.equal((await call(app.target, 'DELETE', `/auth/passkeys/${id}`)).status, 401);
        const gone = await call(app.target, 'DELETE', `/auth/passkeys/${id}`, { token: u.access });
        assert.equal(gone.status, 204);
        assert.equal(gone.text, '');
        assert.equal((await audit(u.id))[0]?.type, 'passkey_removed');
        const list = await call(app.target, 'GET', '/auth/passkeys', { token: u.access });
        assert.deepEqual(list.body.passkeys, []);
        assert.equal((await signIn(authenticator)).result.status, 401);
      });

      it('refuses to remove the last sign-in method of an account without a password (409)', async () => {
        const u = await user();
        const first = await addPasskey(u.access);
        const second = await addPasskey(u.access);
        const db = (app.composition.directory as SqlUserDirectory).db;
        await db.query('UPDATE users SET password_hash = NULL WHERE id = $1', [u.id]);
        const one = await call(app.target, 'DELETE', `/auth/passkeys/${first.id}`, { token: u.access });
        assert.equal(one.status, 204);
        const last = await call(app.target, 'DELETE', `/auth/passkeys/${second.id}`, { token: u.access });
        assert.equal(last.status, 409);
        assert.equal(last.body.error, 'last_sign_in_method');
        assert.equal((await signIn(second.authenticator)).result.status, 200, 'it still signs in');
      });
    });

    it('the OpenAPI document describes every passkey route', async () => {
      const doc = (await call(app.target, 'GET', '/openapi.json')).body as {
        paths: Record<
          string,
          Record<string, { tags?: string[]; summary?: string; security?: unknown[]; responses: Json }>
        >;
      };
      const routes: Array<[string, string, boolean, string[]]> = [
        ['/auth/passkeys/register/options', 'post', true, ['200', '401', '403', '503']],
        ['/auth/passkeys/register/verify', 'post', true, ['201', '400', '401', '403', '503']],
        ['/auth/passkeys', 'get', true, ['200', '401', '503']],
        ['/auth/passkeys/{id}', 'delete', true, ['204', '400', '401', '404', '409', '503']],
        ['/auth/passkeys/login/options', 'post', false, ['200', '400', '429', '503']],
        ['/auth/passkeys/login/verify', 'post', false, ['200', '400', '401', '403', '429', '503']],
      ];
      for (const [path, method, bearer, statuses] of routes) {
        const op = doc.paths[path]?.[method];
        assert.ok(op, `${method} ${path}`);
        assert.deepEqual(op.tags, ['passkeys'], path);
        assert.ok(op.summary, path);
        assert.deepEqual(op.security, bearer ? [{ bearerAuth: [] }] : [], `${path} security`);
        // Routes that take a body are also described with 413 and 415 (src/http/openapi-polish.ts).
        const declared = Object.keys(op.responses).filter((s) => s !== '413' && s !== '415');
        assert.deepEqual(declared.sort(), statuses.sort(), path);
      }
    });
  });
}

/** The login limit per address also holds for passkeys (an app with LOGIN_MAX_FAILURES_PER_IP=3). */
export function passkeyLimitSuite(name: string, start: () => Promise<TestApp>): void {
  describe(`passkey login limit: ${name}`, () => {
    let app: TestApp;
    before(async () => {
      app = await start();
    });
    after(async () => app?.close());

    it('failed assertions count per address; past the limit options and verification answer 429', async () => {
      const stranger = new SoftAuthenticator({ origin: ORIGIN });
      const attempt = async (): Promise<HttpResult> => {
        const options = await call(app.target, 'POST', '/auth/passkeys/login/options', { body: {} });
        if (options.status !== 200) return options;
        return call(app.target, 'POST', '/auth/passkeys/login/verify', {
          body: { response: stranger.get(options.body as never) },
        });
      };
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await attempt()).status);
      // Three failures are allowed per window; every answer after the limit is 429.
      const first = statuses.indexOf(429);
      assert.ok(first === 2 || first === 3, statuses.join(','));
      assert.ok(
        statuses.slice(0, first).every((s) => s === 401),
        statuses.join(','),
      );
      assert.ok(
        statuses.slice(first).every((s) => s === 429),
        statuses.join(','),
      );
      const locked = await call(app.target, 'POST', '/auth/passkeys/login/options', { body: {} });
      assert.equal(locked.status, 429);
      assert.equal(locked.body.error, 'too_many_attempts');
      assert.ok(Number(locked.headers['retry-after']) >= 1, 'Retry-After');
      // Password logins from this address are held too: one limit per address.
      const e = `limit-${randomUUID().slice(0, 8)}@example.test`;
      await call(app.target, 'POST', '/auth/register', { body: { email: e, password: PASSWORD } });
      const pw = await call(app.target, 'POST', '/auth/login', { body: { email: e, password: PASSWORD } });
      assert.equal(pw.status, 429);
    });
  });
}
