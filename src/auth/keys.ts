/**
 * Signing and verification keys. Production takes the signing key from config; in
 * development a key is generated once under `<varDir>/jwt-signing-key.pem` (created
 * exclusively, so concurrent workers and restarts share one key). Every verification
 * key, the current one and any configured previous ones, is published in the JWKS so
 * that a key can be rotated without logging anyone out.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, type JWK } from 'jose';
import { ConfigError } from '../errors.js';

export type SigningAlgorithm = 'EdDSA' | 'ES256' | 'RS256';

export interface VerificationKey {
  kid: string;
  alg: SigningAlgorithm;
  key: KeyObject;
  jwk: JWK;
}

export interface KeySet {
  signing: { kid: string; alg: SigningAlgorithm; key: KeyObject };
  /** All keys tokens may be verified with, by kid. */
  verification: ReadonlyMap<string, VerificationKey>;
  /** Algorithms accepted on verify (only those of configured keys). */
  algorithms: readonly SigningAlgorithm[];
  jwks: { keys: JWK[] };
}

export const DEV_KEY_FILE = 'jwt-signing-key.pem';

/** Algorithms `tollgate keys generate` can make keys for. */
export const GENERATED_ALGORITHMS = ['EdDSA', 'ES256'] as const;
export type GeneratedAlgorithm = (typeof GENERATED_ALGORITHMS)[number];

/** A new private key in PKCS#8 PEM: Ed25519 for EdDSA (the default), P-256 for ES256. */
export function generateSigningKeyPem(alg: GeneratedAlgorithm = 'EdDSA'): string {
  const { privateKey } =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
      : generateKeyPairSync('ed25519');
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** Returns the development key PEM, creating it once (race-free between processes). */
export function ensureDevelopmentKey(varDir: string): { pem: string; created: boolean } {
  mkdirSync(varDir, { recursive: true, mode: 0o700 });
  const path = join(varDir, DEV_KEY_FILE);
  try {
    const pem = generateSigningKeyPem();
    writeFileSync(path, pem, { flag: 'wx', mode: 0o600 });
    return { pem, created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // Another process may be between create and write: wait for content (bounded).
    for (let i = 0; i < 50; i++) {
      const pem = readFileSync(path, 'utf8');
      if (pem.includes('END PRIVATE KEY')) return { pem, created: false };
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
    throw new Error(`development key file ${path} is incomplete`);
  }
}

function algorithmOf(key: KeyObject, variable: string): SigningAlgorithm {
  switch (key.asymmetricKeyType) {
    case 'ed25519':
      return 'EdDSA';
    case 'ec':
      if (key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
      break;
    case 'rsa':
      if ((key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048) return 'RS256';
      throw new ConfigError(variable, 'RSA keys must be at least 2048 bits');
  }
  throw new ConfigError(
    variable,
    `unsupported key type ${key.asymmetricKeyType ?? 'unknown'} (use Ed25519, P-256 or RSA)`,
  );
}

async function toVerificationKey(publicKey: KeyObject, variable: string): Promise<VerificationKey> {
  const alg = algorithmOf(publicKey, variable);
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk, 'sha256');
  return { kid, alg, key: publicKey, jwk: { ...jwk, kid, alg, use: 'sig' } };
}

export async function buildKeySet(
  privateKeyPem: string,
  extraPublicKeysPem: readonly string[] = [],
): Promise<KeySet> {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(privateKeyPem);
  } catch {
    throw new ConfigError('JWT_PRIVATE_KEY', 'could not be parsed as a PEM private key');
  }
  const current = await toVerificationKey(createPublicKey(privateKey), 'JWT_PRIVATE_KEY');
  const verification = new Map<string, VerificationKey>([[current.kid, current]]);
  for (const pem of extraPublicKeysPem) {
    let pub: KeyObject;
    try {
      pub = createPublicKey(pem);
    } catch {
      throw new ConfigError('JWT_PUBLIC_KEYS', 'contains a key that could not be parsed');
    }
    const vk = await toVerificationKey(pub, 'JWT_PUBLIC_KEYS');
    verification.set(vk.kid, vk);
  }
  const algorithms = [...new Set([...verification.values()].map((k) => k.alg))];
  return {
    signing: { kid: current.kid, alg: current.alg, key: privateKey },
    verification,
    algorithms,
    jwks: { keys: [...verification.values()].map((k) => k.jwk) },
  };
}
