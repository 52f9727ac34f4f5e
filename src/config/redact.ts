/** A copy of the config that is safe to log: every secret replaced. */
import type { Config } from './schema.js';

export function redactConfig(config: Config): Record<string, unknown> {
  return {
    ...config,
    redis: { ...config.redis, password: config.redis.password ? '[redacted]' : undefined },
    jwt: {
      ...config.jwt,
      privateKeyPem: config.jwt.privateKeyPem ? '[redacted]' : '[development key]',
      extraPublicKeysPem: config.jwt.extraPublicKeysPem.length,
    },
    opsToken: config.opsToken ? '[redacted]' : undefined,
  };
}
