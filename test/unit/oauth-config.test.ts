/**
 * The settings for other services and browsers: TOKEN_AUDIENCE, PUBLIC_URL,
 * INTROSPECTION_CLIENTS (and `tollgate clients secret`, which makes its entries),
 * CORS_ORIGINS and REFRESH_COOKIE.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ClientCredentials, hashClientSecret } from '../../src/auth/client-credentials.js';
import { clientSecret } from '../../src/commands/clients.js';
import { generateSigningKeyPem } from '../../src/auth/keys.js';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { parseBasic } from '../../src/http/basic-auth.js';
import { parseForm } from '../../src/http/form-body.js';

const load = (env: Record<string, string>) => loadConfig(env, { skipEnvFiles: true });
const HASH = 'a'.repeat(64);

function issues(env: Record<string, string>): string[] {
  try {
    load(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.issues.map((i) => `${i.variable}: ${i.message}`);
  }
  return [];
}

describe('config for other services and browsers', () => {
  it('defaults: audience tollgate, PUBLIC_URL from HOST and PORT, no clients, no CORS, no cookie', () => {
    const c = load({});
    assert.deepEqual(c.jwt.audience, ['tollgate']);
    assert.equal(c.publicUrl, 'http://127.0.0.1:8000');
    assert.deepEqual(c.introspectionClients, []);
    assert.deepEqual(c.corsOrigins, []);
    assert.equal(c.refreshCookie, false);
    assert.equal(load({ HOST: '0.0.0.0', PORT: '9000' }).publicUrl, 'http://127.0.0.1:9000');
    assert.equal(load({ HOST: '::' }).publicUrl, 'http://[::1]:8000');
  });

  it('TOKEN_AUDIENCE: one or a comma-separated list', () => {
    assert.deepEqual(load({ TOKEN_AUDIENCE: 'orders-api' }).jwt.audience, ['orders-api']);
    assert.deepEqual(load({ TOKEN_AUDIENCE: ' a , b,a ' }).jwt.audience, ['a', 'b']);
    assert.match(issues({ TOKEN_AUDIENCE: 'a,,b' }).join(), /TOKEN_AUDIENCE/);
    assert.match(issues({ TOKEN_AUDIENCE: 'orders api' }).join(), /TOKEN_AUDIENCE/);
  });

  it('PUBLIC_URL: a base URL, trailing slash dropped; required and https in production', () => {
    assert.equal(load({ PUBLIC_URL: 'https://auth.example.com/' }).publicUrl, 'https://auth.example.com');
    assert.equal(load({ PUBLIC_URL: 'https://example.com/auth//' }).publicUrl, 'https://example.com/auth');
    for (const bad of ['auth.example.com', 'ftp://x', 'https://x/?a=1', 'https://x/#f', 'https://u:p@x']) {
      assert.match(issues({ PUBLIC_URL: bad }).join(), /^PUBLIC_URL/, bad);
    }
    const production = {
      DEPLOYMENT_ENV: 'production',
      JWT_PRIVATE_KEY: generateSigningKeyPem(),
      OPS_TOKEN: 'x'.repeat(32),
      REDIS_URL: 'redis://127.0.0.1:6379',
      DATABASE_URL: 'postgres://tollgate@127.0.0.1:5432/tollgate',
    };
    assert.match(issues(production).join('\n'), /PUBLIC_URL: production requires/);
    assert.match(issues({ ...production, PUBLIC_URL: 'http://auth.example.com' }).join(), /https/);
    assert.deepEqual(issues({ ...production, PUBLIC_URL: 'https://auth.example.com' }), []);
  });

  it('INTROSPECTION_CLIENTS: id:sha256hex entries, by comma or line, inline or from a file', () => {
    const c = load({ INTROSPECTION_CLIENTS: ` orders-api:${HASH}, billing.v2:${'B'.repeat(64)} ` });
    assert.deepEqual(c.introspectionClients, [
      { id: 'orders-api', secretSha256: HASH },
      { id: 'billing.v2', secretSha256: 'b'.repeat(64) },
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-clients-'));
    try {
      writeFileSync(join(dir, 'clients'), `a:${HASH}\nb:${HASH}\n`);
      const f = loadConfig({ INTROSPECTION_CLIENTS_FILE: 'clients' }, { skipEnvFiles: true, cwd: dir });
      assert.deepEqual(
        f.introspectionClients.map((x) => x.id),
        ['a', 'b'],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    for (const bad of [
      'orders-api',
      `orders-api:${HASH.slice(1)}`,
      `orders api:${HASH}`,
      `x:${'g'.repeat(64)}`,
    ]) {
      assert.match(issues({ INTROSPECTION_CLIENTS: bad }).join(), /^INTROSPECTION_CLIENTS: expected/, bad);
    }
    assert.match(issues({ INTROSPECTION_CLIENTS: `a:${HASH},a:${HASH}` }).join(), /listed twice/);
    // A secret itself (not its hash) is refused rather than silently never matching.
    assert.match(issues({ INTROSPECTION_CLIENTS: 'orders-api:my-secret' }).join(), /sha256/i);
  });

  it('CORS_ORIGINS: exact origins only; no wildcard, no path', () => {
    assert.deepEqual(load({ CORS_ORIGINS: 'https://app.example.com, http://127.0.0.1:5173/' }).corsOrigins, [
      'https://app.example.com',
      'http://127.0.0.1:5173',
    ]);
    for (const bad of ['*', 'null', 'app.example.com', 'https://app.example.com/path', 'file:///x']) {
      assert.match(issues({ CORS_ORIGINS: bad }).join(), /^CORS_ORIGINS/, bad);
    }
  });

  it('REFRESH_COOKIE: on/off', () => {
    assert.equal(load({ REFRESH_COOKIE: 'on' }).refreshCookie, true);
    assert.equal(load({ REFRESH_COOKIE: 'off' }).refreshCookie, false);
    assert.match(issues({ REFRESH_COOKIE: 'maybe' }).join(), /REFRESH_COOKIE/);
  });

  it('reports every bad variable at once', () => {
    const all = issues({
      PUBLIC_URL: 'x',
      CORS_ORIGINS: '*',
      INTROSPECTION_CLIENTS: 'y',
      TOKEN_AUDIENCE: ',',
    });
    assert.deepEqual(all.map((i) => i.split(':')[0]).sort(), [
      'CORS_ORIGINS',
      'INTROSPECTION_CLIENTS',
      'PUBLIC_URL',
      'TOKEN_AUDIENCE',
    ]);
  });
});

describe('client credentials', () => {
  it('`clients secret` makes a 256-bit secret whose entry loads and verifies, and nothing else does', () => {
    const out = clientSecret('orders-api');
    assert.equal(Buffer.from(out.secret, 'base64url').length, 32);
    assert.equal(out.entry, `orders-api:${hashClientSecret(out.secret)}`);
    assert.notEqual(clientSecret('orders-api').secret, out.secret);
    const config = load({ INTROSPECTION_CLIENTS: out.entry });
    const clients = new ClientCredentials(config.introspectionClients);
    assert.equal(clients.verify('orders-api', out.secret), true);
    assert.equal(clients.verify('orders-api', out.secret.slice(1)), false);
    assert.equal(clients.verify('other', out.secret), false);
    assert.throws(() => clientSecret('orders api'), /client id/);
    assert.throws(() => clientSecret(''), /client id/);
  });

  it('Basic credentials are form-decoded (RFC 6749 §2.3.1)', () => {
    const b = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;
    assert.deepEqual(parseBasic(b('my%20id:p%3Ass+word%25')), { id: 'my id', secret: 'p:ss word%' });
    assert.deepEqual(parseBasic(`basic   ${Buffer.from('a:b:c').toString('base64')}`), {
      id: 'a',
      secret: 'b:c',
    });
    for (const bad of [
      undefined,
      '',
      'Bearer x',
      b(':secret'),
      b('id:'),
      b('id'),
      b('id:%zz'),
      'Basic a b',
    ]) {
      assert.equal(parseBasic(bad), undefined, String(bad));
    }
  });

  it('form bodies: decoded, and a repeated parameter refused', () => {
    assert.deepEqual(parseForm('token=a%2Bb+c&token_type_hint=access_token'), {
      token: 'a+b c',
      token_type_hint: 'access_token',
    });
    assert.deepEqual(Object.getPrototypeOf(parseForm('__proto__=x')), Object.prototype);
    assert.throws(() => parseForm('token=a&token=b'), /more than once/);
  });
});
