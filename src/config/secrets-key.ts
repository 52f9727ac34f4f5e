/** The format of SECRETS_KEY (read by the config; used by the secrets box). */
import { ConfigError } from '../errors.js';

export const KEY_BYTES = 32;

/**
 * Reads a 32-byte key written as 64 hex digits or as base64 / base64url (43 or 44
 * characters). Anything else is a ConfigError naming `variable`; the message never
 * repeats the value.
 */
export function parseSecretsKey(text: string, variable = 'SECRETS_KEY'): Buffer {
  const value = text.trim();
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(value)) {
    key = Buffer.from(value, 'hex');
  } else if (/^[A-Za-z0-9+/]{43}=?$/.test(value) || /^[A-Za-z0-9_-]{43}$/.test(value)) {
    key = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  }
  if (!key || key.length !== KEY_BYTES) {
    throw new ConfigError(
      variable,
      'must be 32 random bytes as 64 hex digits or base64 (e.g. `openssl rand -base64 32`)',
    );
  }
  return key;
}
