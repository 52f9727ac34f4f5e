/**
 * Secrets at rest (TOTP secrets): AES-256-GCM under SECRETS_KEY.
 *
 * A sealed value reads `v1.<key id>.<nonce>.<ciphertext+tag>` (base64url parts). The key
 * id is derived from the key itself (16 hex digits of a SHA-256 over a fixed label and
 * the key), so no one has to name keys, and a value says which key opens it. The nonce
 * is 96 random bits per seal. The authenticated data binds the version, the key id and a
 * caller-given context (e.g. `totp:<user id>`): a value copied to another record, or
 * altered in any byte, does not open.
 *
 * Rotation: configure the new key as current and the old ones as previous. Values open
 * with whichever configured key their id names; new values are sealed with the current
 * key; `needsReseal` / `reseal` move an old value to the current key (do it when the
 * value is next read, or in a batch), after which the old key can be removed.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { SecretDecryptError } from '../errors.js';
import { KEY_BYTES } from '../config/secrets-key.js';

export { parseSecretsKey } from '../config/secrets-key.js';

const VERSION = 'v1';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** The id a sealed value carries for `key`. */
export function secretsKeyId(key: Buffer): string {
  return createHash('sha256').update('tollgate secrets key id\0').update(key).digest('hex').slice(0, 16);
}

export interface SecretBoxOptions {
  /** Seals new values, and opens values sealed under it. */
  current: Buffer;
  /** Still open values sealed under them (rotation). */
  previous?: readonly Buffer[];
}

export class SecretBox {
  private readonly currentId: string;
  private readonly keys = new Map<string, Buffer>();

  constructor(options: SecretBoxOptions) {
    for (const key of [options.current, ...(options.previous ?? [])]) {
      if (key.length !== KEY_BYTES) throw new RangeError('a secrets key must be 32 bytes');
    }
    this.currentId = secretsKeyId(options.current);
    this.keys.set(this.currentId, Buffer.from(options.current));
    for (const key of options.previous ?? []) {
      const id = secretsKeyId(key);
      if (!this.keys.has(id)) this.keys.set(id, Buffer.from(key));
    }
  }

  /** Id of the key new values are sealed with. */
  get currentKeyId(): string {
    return this.currentId;
  }

  /** Seals `plaintext` (UTF-8) for `context` (e.g. `totp:<user id>`). */
  seal(plaintext: string, context: string): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentId)!, nonce, {
      authTagLength: TAG_BYTES,
    });
    cipher.setAAD(aad(this.currentId, context));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return [VERSION, this.currentId, nonce.toString('base64url'), body.toString('base64url')].join('.');
  }

  /** Opens a sealed value; throws SecretDecryptError (malformed, unknown_key, tampered). */
  open(sealed: string, context: string): string {
    const { id, nonce, body } = parse(sealed);
    const key = this.keys.get(id);
    if (!key) throw new SecretDecryptError('unknown_key');
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(id, context));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    try {
      return Buffer.concat([
        decipher.update(body.subarray(0, body.length - TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new SecretDecryptError('tampered');
    }
  }

  /** True when the value was sealed under another key than the current one. */
  needsReseal(sealed: string): boolean {
    return parse(sealed).id !== this.currentId;
  }

  /** Opens with whichever key applies and seals again under the current key. */
  reseal(sealed: string, context: string): string {
    return this.seal(this.open(sealed, context), context);
  }
}

function aad(keyId: string, context: string): Buffer {
  return Buffer.from(`tollgate secret ${VERSION}\0${keyId}\0${context}`, 'utf8');
}

const PART = /^[A-Za-z0-9_-]+$/;

function parse(sealed: string): { id: string; nonce: Buffer; body: Buffer } {
  const parts = sealed.split('.');
  if (parts.length !== 4 || parts[0] !== VERSION) throw new SecretDecryptError('malformed');
  const [, id = '', nonceText = '', bodyText = ''] = parts;
  if (!/^[0-9a-f]{16}$/.test(id) || !PART.test(nonceText) || !PART.test(bodyText)) {
    throw new SecretDecryptError('malformed');
  }
  const nonce = Buffer.from(nonceText, 'base64url');
  const body = Buffer.from(bodyText, 'base64url');
  if (nonce.length !== NONCE_BYTES || body.length < TAG_BYTES) throw new SecretDecryptError('malformed');
  return { id, nonce, body };
}
