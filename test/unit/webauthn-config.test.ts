/** The passkey relying party from the environment (src/config/sections/webauthn.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';

const load = (env: Record<string, string>) =>
  loadConfig({ LOG_LEVEL: 'silent', ...env }, { skipEnvFiles: true }).webauthn;

const issues = (env: Record<string, string>): string[] => {
  try {
    load(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, 'a ConfigError');
    return err.issues.map((i) => `${i.variable}: ${i.message}`);
  }
  return [];
};

describe('WebAuthn config', () => {
  it("defaults to PUBLIC_URL's hostname and origin, and the name tollgate", () => {
    assert.deepEqual(load({ PUBLIC_URL: 'https://auth.example.com/base/' }), {
      rpId: 'auth.example.com',
      rpName: 'tollgate',
      origins: ['https://auth.example.com'],
      topOrigins: [],
    });
    assert.deepEqual(load({ PORT: '8123', HOST: '127.0.0.1' }).origins, ['http://127.0.0.1:8123']);
  });

  it('takes a parent domain as rp id and several origins under it', () => {
    assert.deepEqual(
      load({
        PUBLIC_URL: 'https://auth.example.com',
        WEBAUTHN_RP_ID: 'example.com',
        WEBAUTHN_RP_NAME: 'Example',
        WEBAUTHN_ORIGINS: 'https://app.example.com, https://example.com/',
        WEBAUTHN_TOP_ORIGINS: 'https://portal.example.net',
      }),
      {
        rpId: 'example.com',
        rpName: 'Example',
        origins: ['https://app.example.com', 'https://example.com'],
        topOrigins: ['https://portal.example.net'],
      },
    );
  });

  it('refuses an rp id that is not a domain, origins outside the rp id, and malformed origins', () => {
    assert.match(
      issues({ WEBAUTHN_RP_ID: 'https://example.com' }).join('\n'),
      /^WEBAUTHN_RP_ID: must be a domain/m,
    );
    assert.match(
      issues({ PUBLIC_URL: 'https://auth.example.com', WEBAUTHN_RP_ID: 'other.com' }).join('\n'),
      /^WEBAUTHN_RP_ID: every passkey origin must be other\.com or a subdomain of it; not: https:\/\/auth\.example\.com/m,
    );
    assert.match(
      issues({ PUBLIC_URL: 'https://auth.example.com', WEBAUTHN_ORIGINS: 'https://evil.com' }).join('\n'),
      /^WEBAUTHN_ORIGINS: every passkey origin must be auth\.example\.com/m,
    );
    assert.match(
      issues({ WEBAUTHN_ORIGINS: 'https://a.example.com/path' }).join('\n'),
      /^WEBAUTHN_ORIGINS: expected origins like/m,
    );
    // A host that merely ends with the rp id's letters is not under it.
    assert.match(
      issues({
        PUBLIC_URL: 'https://auth.example.com',
        WEBAUTHN_RP_ID: 'example.com',
        WEBAUTHN_ORIGINS: 'https://badexample.com',
      }).join('\n'),
      /WEBAUTHN_ORIGINS/,
    );
    assert.match(issues({ WEBAUTHN_RP_NAME: 'x'.repeat(65) }).join('\n'), /WEBAUTHN_RP_NAME/);
  });
});
