/**
 * The HTTP contract (docs/api.md), walked through the app in-process. Run against the
 * memory store (test/unit/api-memory.test.ts) and Redis (test/integration/api-redis.test.ts).
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomUUID, createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  SignJWT,
  createLocalJWKSet,
  jwtVerify,
  decodeJwt,
  decodeProtectedHeader,
  type JSONWebKeySet,
} from 'jose';
import type { TestApp } from './app.js';
import { call, PASSWORD, registerAndLogin, type Target } from './http.js';
import { sample } from './metrics-text.js';

const uniqueEmail = (tag: string): string => `${tag}-${randomUUID().slice(0, 8)}@Example.TEST`;

export function apiSuite(name: string, start: () => Promise<TestApp>): void {
  describe(`HTTP API (${name})`, () => {
    let app: TestApp;
    let url: Target;
    before(async () => {
      app = await start();
      url = app.target;
    });
    after(async () => {
      await app?.close();
    });

    describe('banner, JWKS, docs', () => {
      it('GET / answers the banner', async () => {
        const r = await call(url, 'GET', '/');
        assert.equal(r.status, 200);
        assert.equal(r.body.service, 'tollgate');
        assert.equal(r.body.status, 'ok');
        assert.match(String(r.body.version), /^\d+\.\d+\.\d+/);
      });

      it('publishes the OpenAPI document and the docs UI', async () => {
        const r = await call(url, 'GET', '/openapi.json');
        assert.equal(r.status, 200);
        assert.match(String(r.body.openapi), /^3\./);
        const paths = Object.keys(r.body.paths as object);
        for (const p of ['/auth/login', '/auth/refresh', '/auth/revoke', '/api/protected', '/health/redis']) {
          assert.ok(paths.includes(p), `${p} in OpenAPI`);
        }
        const docs = await call(url, 'GET', '/docs/');
        assert.equal(docs.status, 200);
        assert.match(docs.text, /swagger/i);
      });

      it('answers unknown routes with a JSON 404', async () => {
        const r = await call(url, 'GET', '/nope');
        assert.equal(r.status, 404);
        assert.equal(r.body.error, 'not_found');
      });
    });

    describe('register', () => {
      it('creates a user, normalises the email, rejects duplicates case-insensitively', async () => {
        const email = uniqueEmail('Reg');
        const r = await call(url, 'POST', '/auth/register', { body: { email, password: PASSWORD } });
        assert.equal(r.status, 201);
        assert.equal(r.body.email, email.toLowerCase());
        assert.match(String(r.body.id), /^[0-9a-f-]{36}$/);
        assert.deepEqual(Object.keys(r.body).sort(), ['email', 'id']);
        const dup = await call(url, 'POST', '/auth/register', {
          body: { email: email.toUpperCase(), password: PASSWORD },
        });
        assert.equal(dup.status, 409);
        assert.equal(dup.body.error, 'email_taken');
      });

      it('rejects bad input with 400 invalid_request', async () => {
        const bad: unknown[] = [
          { email: 'not-an-email', password: PASSWORD },
          { email: uniqueEmail('short'), password: 'short' },
          { email: uniqueEmail('long'), password: 'x'.repeat(2000) },
          { email: uniqueEmail('extra'), password: PASSWORD, admin: true },
          { email: 42, password: PASSWORD },
          { password: PASSWORD },
          [],
          'string',
        ];
        for (const body of bad) {
          const r = await call(url, 'POST', '/auth/register', { body });
          assert.equal(r.status, 400, JSON.stringify(body).slice(0, 60));
          assert.equal(r.body.error, 'invalid_request');
          assert.equal(typeof r.body.message, 'string');
        }
      });

      it('answers malformed JSON, wrong content type and oversized bodies with 4xx JSON, never 500', async () => {
        const cases: Array<[Record<string, string>, string, number, string]> = [
          [{ 'content-type': 'application/json' }, '{"email": ', 400, 'invalid_request'],
          [{ 'content-type': 'application/json' }, '', 400, 'invalid_request'],
          [{ 'content-type': 'text/plain' }, 'email=a', 415, 'unsupported_media_type'],
          [
            { 'content-type': 'application/x-www-form-urlencoded' },
            'email=a&password=b',
            415,
            'unsupported_media_type',
          ],
          [
            { 'content-type': 'application/json' },
            JSON.stringify({ email: 'a@b.cd', password: 'x'.repeat(40_000) }),
            413,
            'payload_too_large',
          ],
          [{ 'content-type': 'application/json' }, '\u0000\u0001garbage', 400, 'invalid_request'],
        ];
        for (const [headers, raw, status, code] of cases) {
          const r = await call(url, 'POST', '/auth/register', { headers, raw });
          assert.equal(r.status, status, `${headers['content-type']} ${raw.slice(0, 20)}`);
          assert.equal(r.body.error, code);
          assert.ok(!JSON.stringify(r.body).includes('at '), 'no stack trace');
        }
      });
    });

    describe('login', () => {
      it('returns the token pair; the access token has the RFC 9068 shape', async () => {
        const email = uniqueEmail('login');
        await call(url, 'POST', '/auth/register', { body: { email, password: PASSWORD } });
        const r = await call(url, 'POST', '/auth/login', {
          body: { email: email.toUpperCase(), password: PASSWORD },
        });
        assert.equal(r.status, 200);
        assert.deepEqual(Object.keys(r.body).sort(), [
          'access_token',
          'expires_in',
          'refresh_token',
          'token_type',
        ]);
        assert.equal(r.body.token_type, 'bearer');
        assert.equal(r.body.expires_in, app.config.jwt.accessTokenTtl);
        const header = decodeProtectedHeader(String(r.body.access_token));
        assert.equal(header.alg, 'EdDSA');
        assert.equal(header.typ, 'at+jwt');
        assert.ok(header.kid);
        const claims = decodeJwt(String(r.body.access_token));
        for (const c of ['iss', 'sub', 'email', 'sid', 'jti', 'iat', 'exp'])
          assert.ok(claims[c] !== undefined, c);
        assert.equal(claims.email, email.toLowerCase());
        assert.equal(claims.exp! - claims.iat!, r.body.expires_in);
        assert.match(String(r.body.refresh_token), /^tgr1\./);
      });

      it('verifies access tokens through the JWKS with an independent verifier', async () => {
        const { access } = await registerAndLogin(url, uniqueEmail('jwks'));
        const published = await call(url, 'GET', '/.well-known/jwks.json');
        const jwks = createLocalJWKSet(published.body as unknown as JSONWebKeySet);
        const { payload, protectedHeader } = await jwtVerify(access, jwks, {
          issuer: app.config.jwt.issuer,
          typ: 'at+jwt',
        });
        assert.equal(protectedHeader.alg, 'EdDSA');
        assert.ok(payload.sid);
        const keys = await call(url, 'GET', '/.well-known/jwks.json');
        const k = (keys.body.keys as Array<Record<string, unknown>>)[0]!;
        assert.equal(k.kty, 'OKP');
        assert.equal(k.crv, 'Ed25519');
        assert.equal(k.d, undefined, 'no private part published');
      });

      it('answers unknown email and wrong password identically', async () => {
        const email = uniqueEmail('same');
        await call(url, 'POST', '/auth/register', { body: { email, password: PASSWORD } });
        const wrong = await call(url, 'POST', '/auth/login', {
          body: { email, password: 'wrong password!' },
        });
        const unknown = await call(url, 'POST', '/auth/login', {
          body: { email: uniqueEmail('ghost'), password: PASSWORD },
        });
        assert.equal(wrong.status, 401);
        assert.deepEqual(wrong.body, unknown.body);
        assert.deepEqual(wrong.body, { error: 'invalid_credentials', message: 'Invalid email or password' });
      });

      it('locks out after the configured failures, even for the right password, with Retry-After', async () => {
        const email = uniqueEmail('lock');
        await call(url, 'POST', '/auth/register', { body: { email, password: PASSWORD } });
        const limit = app.config.rateLimit.maxFailuresPerAccountIp;
        // A parallel burst cannot overshoot the limit.
        const burst = await Promise.all(
          Array.from({ length: limit + 5 }, () =>
            call(url, 'POST', '/auth/login', { body: { email, password: 'bad guess!' } }),
          ),
        );
        assert.equal(burst.filter((r) => r.status === 401).length, limit);
        assert.equal(burst.filter((r) => r.status === 429).length, 5);
        const right = await call(url, 'POST', '/auth/login', { body: { email, password: PASSWORD } });
        assert.equal(right.status, 429);
        assert.equal(right.body.error, 'too_many_attempts');
        const retry = Number(right.headers['retry-after']);
        assert.ok(retry >= 1 && retry <= app.config.rateLimit.windowSeconds, `Retry-After ${retry}`);
      });

      it('resets the account counter after a successful login', async () => {
        const email = uniqueEmail('reset');
        await call(url, 'POST', '/auth/register', { body: { email, password: PASSWORD } });
        const limit = app.config.rateLimit.maxFailuresPerAccountIp;
        for (let round = 0; round < 2; round++) {
          for (let i = 0; i < limit - 1; i++) {
            assert.equal(
              (await call(url, 'POST', '/auth/login', { body: { email, password: 'bad guess!' } })).status,
              401,
            );
          }
          assert.equal(
            (await call(url, 'POST', '/auth/login', { body: { email, password: PASSWORD } })).status,
            200,
          );
        }
      });
    });

    describe('protected resource and session-bound verification', () => {
      it('grants access with a live session', async () => {
        const email = uniqueEmail('prot');
        const { access } = await registerAndLogin(url, email);
        const r = await call(url, 'GET', '/api/protected', { token: access });
        assert.equal(r.status, 200);
        assert.equal(r.body.message, 'Access granted');
        assert.equal(r.body.user, email.toLowerCase());
        assert.ok(!Number.isNaN(Date.parse(String(r.body.timestamp))));
      });

      it('refuses missing, malformed and forged tokens with 401 and a Bearer challenge', async () => {
        const { access } = await registerAndLogin(url, uniqueEmail('forge'));
        const [h, p] = access.split('.') as [string, string, string];
        const claims = decodeJwt(access);
        const other = generateKeyPairSync('ed25519').privateKey;
        const kid = decodeProtectedHeader(access).kid!;
        const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
        const jwksBody = await call(url, 'GET', '/.well-known/jwks.json');
        const x = String((jwksBody.body.keys as Array<Record<string, unknown>>)[0]!.x);
        const hsHeader = b64({ alg: 'HS256', typ: 'at+jwt', kid });
        const hsSig = createHmac('sha256', x).update(`${hsHeader}.${p}`).digest('base64url');
        const tokens: Array<[string, string | undefined]> = [
          ['no header', undefined],
          ['empty', ''],
          ['garbage', 'not.a.jwt'],
          ['alg none', `${b64({ alg: 'none', typ: 'at+jwt', kid })}.${p}.`],
          ['alg confusion HS256', `${hsHeader}.${p}.${hsSig}`],
          [
            'tampered payload',
            `${h}.${b64({ ...claims, email: 'admin@example.test' })}.${access.split('.')[2]}`,
          ],
          [
            'foreign key, same kid',
            await new SignJWT({ ...claims })
              .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid })
              .sign(other),
          ],
          [
            'wrong typ',
            await new SignJWT({ ...claims })
              .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid })
              .sign(other),
          ],
          ['refresh token as bearer', 'tgr1.x.y.z'],
        ];
        for (const [label, token] of tokens) {
          const headers: Record<string, string> =
            token === undefined ? {} : { authorization: `Bearer ${token}` };
          const r = await call(url, 'GET', '/api/protected', { headers });
          assert.equal(r.status, 401, label);
          assert.equal(r.body.error, 'invalid_token', label);
          assert.equal(r.headers['www-authenticate'], 'Bearer error="invalid_token"', label);
        }
        const basic = await call(url, 'GET', '/api/protected', {
          headers: { authorization: `Basic ${access}` },
        });
        assert.equal(basic.status, 401);
      });
    });

    describe('refresh rotation and reuse detection', () => {
      it('rotates: the new pair works; reuse of a rotated token once its successor was used revokes the session', async () => {
        const { access, refresh } = await registerAndLogin(url, uniqueEmail('rot'));
        const r1 = await call(url, 'POST', '/auth/refresh', { body: { refresh_token: refresh } });
        assert.equal(r1.status, 200);
        assert.deepEqual(Object.keys(r1.body).sort(), [
          'access_token',
          'expires_in',
          'refresh_token',
          'token_type',
        ]);
        assert.notEqual(r1.body.refresh_token, refresh);
        assert.equal(decodeJwt(String(r1.body.access_token)).sid, decodeJwt(access).sid);
        assert.equal(
          (await call(url, 'GET', '/api/protected', { token: String(r1.body.access_token) })).status,
          200,
        );
        // The successor is used: the first token is now an old member of the family.
        const r2 = await call(url, 'POST', '/auth/refresh', {
          body: { refresh_token: r1.body.refresh_token },
        });
        assert.equal(r2.status, 200);
        const reuse = await call(url, 'POST', '/auth/refresh', { body: { refresh_token: refresh } });
        assert.equal(reuse.status, 401);
        assert.equal(reuse.body.error, 'invalid_grant');
        // Reuse revokes the whole session: every token of it is dead.
        for (const token of [access, String(r1.body.access_token), String(r2.body.access_token)]) {
          assert.equal((await call(url, 'GET', '/api/protected', { token })).status, 401);
        }
        const later = await call(url, 'POST', '/auth/refresh', {
          body: { refresh_token: String(r2.body.refresh_token) },
        });
        assert.equal(later.status, 401);
      });

      it('a retried refresh (its answer was lost) gets the same live successor, not a revocation', async () => {
        const { refresh } = await registerAndLogin(url, uniqueEmail('retry'));
        const first = await call(url, 'POST', '/auth/refresh', { body: { refresh_token: refresh } });
        const retry = await call(url, 'POST', '/auth/refresh', { body: { refresh_token: refresh } });
        assert.equal(first.status, 200);
        assert.equal(retry.status, 200);
        assert.equal(retry.body.refresh_token, first.body.refresh_token);
        assert.equal(
          (await call(url, 'GET', '/api/protected', { token: String(retry.body.access_token) })).status,
          200,
        );
        const next = await call(url, 'POST', '/auth/refresh', {
          body: { refresh_token: first.body.refresh_token },
        });
        assert.equal(next.status, 200, 'the successor handed out twice is alive');
      });

      it('gives N concurrent refreshes of one token the same live successor', async () => {
        const { refresh } = await registerAndLogin(url, uniqueEmail('conc'));
        const results = await Promise.all(
          Array.from({ length: 16 }, () =>
            call(url, 'POST', '/auth/refresh', { body: { refresh_token: refresh } }),
          ),
        );
        assert.deepEqual(
          results.map((r) => r.status),
          results.map(() => 200),
        );
        assert.equal(new Set(results.map((r) => r.body.refresh_token)).size, 1);
        for (const r of results) {
          assert.equal(
            (await call(url, 'GET', '/api/protected', { token: String(r.body.access_token) })).status,
            200,
          );
        }
        const next = await call(url, 'POST', '/auth/refresh', {
          body: { refresh_token: results[0]!.body.refresh_token },
        });
        assert.equal(next.status, 200);
      });

      it('refuses malformed and unknown refresh tokens with invalid_grant', async () => {
        const { refresh } = await registerAndLogin(url, uniqueEmail('badrt'));
        const forged = refresh.slice(0, -4) + 'AAAA';
        for (const t of ['nope', forged, `tgr1.${randomUUID()}.AAAAAAAAAAAAAAAAAAAAAA.${'A'.repeat(43)}`]) {
          const r = await call(url, 'POST', '/auth/refresh', { body: { refresh_token: t } });
          assert.equal(r.status, 401);
          assert.equal(r.body.error, 'invalid_grant');
        }
        // A guessed secret for a live session is not "reuse": the session survives.
        assert.equal(
          (await call(url, 'POST', '/auth/refresh', { body: { refresh_token: refresh } })).status,
          200,
        );
        const missing = await call(url, 'POST', '/auth/refresh', { body: {} });
        assert.equal(missing.status, 400);
      });
    });

    describe('logout, logout-all, revoke', () => {
      it('logout kills the access and refresh tokens of the session together', async () => {
        const { access, refresh } = await registerAndLogin(url, uniqueEmail('out'));
        const r = await call(url, 'POST', '/auth/logout', { token: access });
        assert.equal(r.status, 200);
        assert.equal(typeof r.body.message, 'string');
        assert.equal((await call(url, 'GET', '/api/protected', { token: access })).status, 401);
        assert.equal(
          (await call(url, 'POST', '/auth/refresh', { body: { refresh_token: refresh } })).status,
          401,
        );
        assert.equal((await call(url, 'POST', '/auth/logout', { token: access })).status, 401);
      });

      it('concurrent logout and verify: after logout answers 200, no verify is accepted', async () => {
        const { access } = await registerAndLogin(url, uniqueEmail('race'));
        const verifies = Array.from({ length: 20 }, () =>
          call(url, 'GET', '/api/protected', { token: access }),
        );
        const out = await call(url, 'POST', '/auth/logout', { token: access });
        assert.equal(out.status, 200);
        const settled = await Promise.all(verifies);
        for (const v of settled) assert.ok(v.status === 200 || v.status === 401);
        const after = await Promise.all(
          Array.from({ length: 20 }, () => call(url, 'GET', '/api/protected', { token: access })),
        );
        assert.equal(after.filter((r) => r.status === 200).length, 0, 'stale accepts after logout');
      });

      it('logout-all revokes every session of the user and counts them', async () => {
        const email = uniqueEmail('all');
        const a = await registerAndLogin(url, email);
        const b = await registerAndLogin(url, email);
        const c = await registerAndLogin(url, email);
        const other = await registerAndLogin(url, uniqueEmail('bystander'));
        const r = await call(url, 'POST', '/auth/logout-all', { token: a.access });
        assert.equal(r.status, 200);
        assert.deepEqual(r.body, { revoked: 3 });
        for (const s of [a, b, c])
          assert.equal((await call(url, 'GET', '/api/protected', { token: s.access })).status, 401);
        assert.equal((await call(url, 'GET', '/api/protected', { token: other.access })).status, 200);
      });

      it('revoke (RFC 7009) kills a session by refresh or access token and accepts unknown tokens', async () => {
        const s1 = await registerAndLogin(url, uniqueEmail('rev1'));
        assert.equal((await call(url, 'POST', '/auth/revoke', { body: { token: s1.refresh } })).status, 200);
        assert.equal((await call(url, 'GET', '/api/protected', { token: s1.access })).status, 401);
        const s2 = await registerAndLogin(url, uniqueEmail('rev2'));
        const r2 = await call(url, 'POST', '/auth/revoke', {
          body: { token: s2.access, token_type_hint: 'access_token' },
        });
        assert.equal(r2.status, 200);
        assert.equal(
          (await call(url, 'POST', '/auth/refresh', { body: { refresh_token: s2.refresh } })).status,
          401,
        );
        assert.equal(
          (await call(url, 'POST', '/auth/revoke', { body: { token: 'whatever-unknown' } })).status,
          200,
        );
        assert.equal((await call(url, 'POST', '/auth/revoke', { body: {} })).status, 400);
        const badHint = await call(url, 'POST', '/auth/revoke', {
          body: { token: 'x', token_type_hint: 'password' },
        });
        assert.equal(badHint.status, 400);
      });
    });

    describe('health and ops', () => {
      it('answers liveness, readiness and /health', async () => {
        assert.equal((await call(url, 'GET', '/health/live')).status, 200);
        assert.equal((await call(url, 'GET', '/health/ready')).status, 200);
        const h = await call(url, 'GET', '/health');
        assert.equal(h.status, 200);
        assert.equal(h.body.status, 'ok');
        assert.equal(typeof (h.body.redis as Record<string, unknown>).connected, 'boolean');
        assert.ok(h.body.pool);
      });

      it('serves /health/redis and /metrics in their shapes', async () => {
        const token = app.config.opsToken;
        const hr = await call(url, 'GET', '/health/redis', { token });
        assert.equal(hr.status, 200);
        for (const k of [
          'status',
          'healthy',
          'environment',
          'pool',
          'health',
          'warnings',
          'recommendations',
          'timestamp',
        ]) {
          assert.ok(k in hr.body, k);
        }
        const m = await call(url, 'GET', '/metrics', { token });
        assert.equal(m.status, 200);
        assert.match(m.text, /http_server_request_duration_seconds/);
      });

      it('reports the password-hashing slots in /metrics: size, use and time spent', async () => {
        const token = app.config.opsToken;
        const before = (await call(url, 'GET', '/metrics', { token })).text;
        await registerAndLogin(url, uniqueEmail('hashing-metrics'));
        const after = (await call(url, 'GET', '/metrics', { token })).text;
        assert.equal(
          sample(after, 'tollgate_password_hashing_slots'),
          app.config.passwordHashing.concurrency,
        );
        assert.equal(sample(after, 'tollgate_password_hashing_running'), 0);
        assert.equal(sample(after, 'tollgate_password_hashing_waiting'), 0);
        assert.equal(sample(after, 'tollgate_password_hashing_overloaded'), 0);
        assert.equal(sample(after, 'tollgate_password_hashing_queued'), 0);
        assert.equal(sample(after, 'tollgate_password_hashing_predicted_wait_seconds'), 0);
        assert.ok(sample(after, 'tollgate_password_hashing_hash_seconds') > 0, 'a measured hash time');
        // Registration and login each hash in a slot.
        assert.ok(
          sample(after, 'tollgate_password_hashing_busy_seconds_total') >
            sample(before, 'tollgate_password_hashing_busy_seconds_total'),
          'the login hashed in a slot',
        );
        assert.ok(Number.isInteger(sample(after, 'tollgate_password_hashing_refused_total')));
      });

      it('protects ops routes with OPS_TOKEN', async () => {
        assert.ok(app.config.opsToken, 'the suite runs with an OPS_TOKEN');
        for (const p of ['/health/redis', '/redis/stats', '/metrics']) {
          const r = await call(url, 'GET', p);
          assert.equal(r.status, 401, p);
          assert.equal(r.body.error, 'unauthorized');
          assert.equal((await call(url, 'GET', p, { token: 'wrong-token-wrong-token' })).status, 401);
        }
      });
    });
  });
}
