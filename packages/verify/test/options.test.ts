import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resolveOptions, type VerifierOptions } from '../src/options.js';

const client = { exists: async () => 1 };
const base: VerifierOptions = {
  baseUrl: 'https://auth.example.test/tollgate/',
  issuer: 'tollgate',
  audience: 'orders-api',
  session: { mode: 'redis', client },
};

describe('options', () => {
  it('derives the key set and introspection URLs from the base URL, keeping its path', () => {
    const r = resolveOptions({ ...base, session: { mode: 'introspect', clientId: 'a', clientSecret: 'b' } });
    assert.equal(r.jwks.uri.href, 'https://auth.example.test/tollgate/.well-known/jwks.json');
    assert.ok(r.session.mode === 'introspect');
    assert.equal(r.session.endpoint.href, 'https://auth.example.test/tollgate/oauth/introspect');
  });

  it('defaults: EdDSA and ES256, 5 s tolerance, tg: prefix, 30 s refetch cooldown', () => {
    const r = resolveOptions(base);
    assert.deepEqual(r.algorithms, ['EdDSA', 'ES256']);
    assert.equal(r.clockToleranceSeconds, 5);
    assert.equal(r.jwks.cooldownMs, 30_000);
    assert.ok(r.session.mode === 'redis');
    assert.equal(r.session.keyPrefix, 'tg:');
  });

  it('refuses what would weaken or break the check, naming the option', () => {
    const bad: [string, unknown][] = [
      ['algorithms', { ...base, algorithms: ['HS256'] }],
      ['algorithms', { ...base, algorithms: ['none'] }],
      ['algorithms', { ...base, algorithms: [] }],
      ['audience', { ...base, audience: '' }],
      ['audience', { ...base, audience: [] }],
      ['issuer', { ...base, issuer: undefined }],
      ['baseUrl', { ...base, baseUrl: 'auth.example.test' }],
      ['baseUrl', { ...base, baseUrl: 'ftp://auth.example.test' }],
      ['session.mode', { ...base, session: { mode: 'jwt-only' } }],
      ['session.mode', { ...base, session: undefined }],
      ['session.client', { ...base, session: { mode: 'redis', client: {} } }],
      ['session.clientSecret', { ...base, session: { mode: 'introspect', clientId: 'a' } }],
      ['session.timeoutMs', { ...base, session: { mode: 'redis', client, timeoutMs: 0 } }],
      ['jwks.timeoutMs', { ...base, jwks: { timeoutMs: 1.5 } }],
      ['verifiedCacheSize', { ...base, verifiedCacheSize: -1 }],
    ];
    for (const [option, opts] of bad) {
      assert.throws(
        () => resolveOptions(opts as VerifierOptions),
        (err: unknown) => err instanceof TypeError && err.message.includes(`"${option}"`),
        option,
      );
    }
  });
});
