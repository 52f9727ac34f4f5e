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
    database: {
      ...config.database,
      url: config.database.url ? redactUrl(config.database.url) : undefined,
      hosts: config.database.hosts.map(redactUrl),
    },
    accounts: {
      ...config.accounts,
      mail: {
        ...config.accounts.mail,
        smtpUrl: config.accounts.mail.smtpUrl ? redactUrl(config.accounts.mail.smtpUrl) : undefined,
      },
      secretsKey: {
        current: config.accounts.secretsKey.current ? '[redacted]' : '[development key]',
        previous: config.accounts.secretsKey.previous.length,
      },
    },
  };
}

/** A URL without its password. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = 'redacted';
    return u.toString();
  } catch {
    // A multi-host PostgreSQL URL (h1:5432,h2:5432) is not a WHATWG URL: hide the password by hand.
    const userinfo = /^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@/]*@/i;
    if (userinfo.test(url)) return url.replace(userinfo, '$1redacted@');
    return '[unparsable URL]';
  }
}

/** The few facts an operator wants on the first line: environment, stores, workers, address. */
export function startupSummary(config: Config): Record<string, unknown> {
  const r = config.redis;
  const redis =
    r.mode === 'standalone'
      ? `${r.tls ? 'rediss' : 'redis'}://${r.host}:${r.port}/${r.db}`
      : `${r.mode} (${(r.mode === 'sentinel' ? r.sentinels : r.clusterNodes).length} nodes)`;
  return {
    environment: config.deploymentEnv,
    store: config.store === 'redis' ? redis : 'memory (this process only)',
    database: config.database.url ? redactUrl(config.database.url) : `embedded (${config.database.dataDir})`,
    workers: config.workers,
    mail: config.accounts.mail.smtpUrl ? redactUrl(config.accounts.mail.smtpUrl) : 'none',
    listen: `${config.host}:${config.port}`,
  };
}
