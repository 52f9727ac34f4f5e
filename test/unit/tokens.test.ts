import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { signAccessToken, verifyAccessToken } from '../../src/auth/access-token.js';
import { buildKeySet, ensureDevelopmentKey, generateSigningKeyPem } from '../../src/auth/keys.js';
import { hashRefreshToken, mintRefreshToken, parseRefreshToken } from '../../src/auth/refresh-token.js';
import { argon2idHasher, OWASP_ARGON2ID } from '../../src/auth/passwords.js';
import { parseEmail } from '../../src/auth/email.js';
import { InvalidTokenError } from '../../src/errors.js';

const opts = { issuer: 'tollgate-test', audience: ['tollgate-test'], ttlSeconds: 900 };
const subject = {
  uid: '3f1c1c8e-0000-4000-8000-000000000001',
  email: 'a@example.test',
  sid: 'sid-1',
  roles: ['admin'],
  emailVerified: true,
  authTime: 1_765_000_000,
  amr: ['pwd', 'otp', 'mfa'],
};

describe('access tokens', () => {
  it('round-trips with every claim and exp - iat == ttl', async () => {
    const keys = await buildKeySet(generateSigningKeyPem());
    const { token, expiresIn } = await signAccessToken(keys, opts, subject);
    const c = await verifyAccessToken(keys, opts, token);
    assert.equal(c.sub, subject.uid);
    assert.equal(c.sid, subject.sid);
    assert.equal(c.email, subject.email);
    assert.deepEqual(c.roles, ['admin']);
    assert.equal(c.email_verified, true);
    assert.equal(c.auth_time, 1_765_000_000);
    assert.deepEqual(c.amr, ['pwd', 'otp', 'mfa']);
    assert.equal(c.iss, opts.issuer);
    assert.equal(c.exp - c.iat, expiresIn);
    assert.ok(c.jti.length > 0);
  });

  it('refuses expired tokens, other issuers and unknown kids', async () => {
    const keys = await buildKeySet(generateSigningKeyPem());
    const old = await signAccessToken(keys, opts, subject, Math.floor(Date.now() / 1000) - 2000);
    await assert.rejects(verifyAccessToken(keys, opts, old.token), InvalidTokenError);
    const other = await signAccessToken(keys, { ...opts, issuer: 'someone-else' }, subject);
    await assert.rejects(verifyAccessToken(keys, opts, other.token), InvalidTokenError);
    const otherKeys = await buildKeySet(generateSigningKeyPem());
    const foreign = await signAccessToken(otherKeys, opts, subject);
    await assert.rejects(verifyAccessToken(keys, opts, foreign.token), InvalidTokenError);
  });

  it('refuses a token missing the session claim', async () => {
    const keys = await buildKeySet(generateSigningKeyPem());
    const token = await new SignJWT({ email: 'a@b.cd' })
      .setProtectedHeader({ alg: 'EdDSA', kid: keys.signing.kid, typ: 'at+jwt' })
      .setIssuer(opts.issuer)
      .setSubject('u')
      .setJti('j')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(keys.signing.key);
    await assert.rejects(verifyAccessToken(keys, opts, token), InvalidTokenError);
  });

  it('keeps accepting tokens of a previous key published for rotation', async () => {
    const oldPem = generateSigningKeyPem();
    const oldKeys = await buildKeySet(oldPem);
    const { token } = await signAccessToken(oldKeys, opts, subject);
    const { createPublicKey } = await import('node:crypto');
    const oldPublic = createPublicKey(oldPem).export({ type: 'spki', format: 'pem' }).toString();
    const rotated = await buildKeySet(generateSigningKeyPem(), [oldPublic]);
    assert.equal(rotated.jwks.keys.length, 2);
    assert.equal((await verifyAccessToken(rotated, opts, token)).sid, subject.sid);
    const fresh = await signAccessToken(rotated, opts, subject);
    assert.notEqual(fresh.token.split('.')[0], token.split('.')[0], 'new kid in header');
  });

  it('supports P-256 keys with ES256 only', async () => {
    const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const keys = await buildKeySet(pem);
    assert.deepEqual(keys.algorithms, ['ES256']);
    const { token } = await signAccessToken(keys, opts, subject);
    assert.equal((await verifyAccessToken(keys, opts, token)).sub, subject.uid);
  });

  it('creates the development key once and shares it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-keys-'));
    try {
      const a = ensureDevelopmentKey(dir);
      const b = ensureDevelopmentKey(dir);
      assert.equal(a.created, true);
      assert.equal(b.created, false);
      assert.equal(a.pem, b.pem);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('refresh tokens', () => {
  it('carry 256 random bits, parse back, and are stored only as a hash', () => {
    const { token, hash } = mintRefreshToken(subject.uid, 'AAAAAAAAAAAAAAAAAAAAAA');
    const parsed = parseRefreshToken(token);
    assert.deepEqual(parsed, { uid: subject.uid, sid: 'AAAAAAAAAAAAAAAAAAAAAA', hash });
    assert.equal(hash, hashRefreshToken(token));
    assert.equal(Buffer.from(token.split('.')[3]!, 'base64url').length, 32);
    assert.notEqual(mintRefreshToken(subject.uid, 'AAAAAAAAAAAAAAAAAAAAAA').token, token);
    for (const bad of ['', 'tgr1', `tgr1.${subject.uid}.x.y`, token + 'x', token.replace('tgr1', 'tgr2')]) {
      assert.equal(parseRefreshToken(bad), null, bad);
    }
  });
});

describe('passwords', () => {
  it('use argon2id with the OWASP parameters and verify (or run the decoy)', async () => {
    assert.deepEqual({ ...OWASP_ARGON2ID }, { memoryCost: 19456, timeCost: 2, parallelism: 1 });
    const hasher = argon2idHasher();
    const h = await hasher.hash('correct horse');
    assert.match(h, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.equal(await hasher.verifyOrDecoy(h, 'correct horse'), true);
    assert.equal(await hasher.verifyOrDecoy(h, 'wrong horse'), false);
    assert.equal(await hasher.verifyOrDecoy(undefined, 'correct horse'), false);
    assert.equal(await hasher.verifyOrDecoy('garbage', 'x'), false);
    assert.equal(await hasher.verify(h, 'correct horse'), true);
  });

  it('normalise emails case-insensitively', () => {
    assert.equal(parseEmail('  Alice@Example.COM '), 'alice@example.com');
  });
});
