/**
 * What the account flows run on, opened by the composition root: the mailed-link and
 * TOTP tables, the mailer (SMTP_URL; in development without it, the log; in production
 * without it, none: reset and verification answer 403 `feature_disabled`), the secrets
 * box (SECRETS_KEY; in development a key generated under VAR_DIR; in production without
 * it, none: TOTP setup answers 403) and the background tasks of reset requests.
 */
import { pino, type Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { AppMetrics } from '../metrics/registry.js';
import { BackgroundTasks } from '../util/background.js';
import type { Database } from '../persistence/directory/database.js';
import { createMailer, type Mailer } from '../mail/mailer.js';
import { ensureDevelopmentSecretsKey } from '../crypto/development-secrets-key.js';
import { SecretBox } from '../crypto/secret-box.js';
import { TotpFactors } from '../persistence/totp-factors.js';
import { OneTimeTokens } from '../persistence/one-time-tokens.js';
import { SqlPasskeyStore, type PasskeyStore } from '../persistence/passkey-store.js';

export interface AccountFlows {
  links: OneTimeTokens;
  mailer: Mailer | undefined;
  totp: TotpFactors;
  /** The passkeys of the accounts (a reset removes them; admins list and remove them). */
  passkeys: PasskeyStore;
  secrets: SecretBox | undefined;
  background: BackgroundTasks;
  /** Lets background work finish and sends the queued mail, within `timeoutMs`. */
  close(timeoutMs: number): Promise<void>;
}

function secretsBox(config: Config, logger: Logger | undefined): SecretBox | undefined {
  const { current, previous } = config.accounts.secretsKey;
  if (current) return new SecretBox({ current, previous });
  if (config.deploymentEnv === 'production') {
    logger?.warn('two-factor login (TOTP) is off: set SECRETS_KEY to turn it on');
    return undefined;
  }
  const dev = ensureDevelopmentSecretsKey(config.varDir);
  if (dev.created) {
    logger?.warn(
      { dir: config.varDir },
      'generated a development SECRETS_KEY (set SECRETS_KEY in production)',
    );
  }
  return new SecretBox({ current: dev.key, previous });
}

async function mailer(
  config: Config,
  metrics: AppMetrics,
  logger: Logger | undefined,
): Promise<Mailer | undefined> {
  const { mail } = config.accounts;
  if (!mail.smtpUrl && config.deploymentEnv === 'production') {
    logger?.warn('account mail is off: set SMTP_URL for password reset and email verification');
    return undefined;
  }
  const created = await createMailer({
    smtpUrl: mail.smtpUrl,
    from: mail.from,
    publicUrl: config.publicUrl,
    templatesDir: mail.templatesDir,
    linkPaths: { passwordReset: mail.resetLinkPath, emailVerification: mail.verifyLinkPath },
    logger: logger ?? pino({ enabled: false }),
    // A link is a live credential: only a development server logs it.
    revealLinks: config.deploymentEnv === 'development',
    onEvent: (event) => metrics.mail.inc({ kind: event.kind, outcome: event.type }),
  });
  if (created.transport === 'log') {
    if (config.deploymentEnv === 'development') {
      logger?.info('account mail goes to this log (set SMTP_URL to send it)');
    } else {
      logger?.warn('account mail is not sent: set SMTP_URL (links are logged in development only)');
    }
  }
  return created;
}

export async function openAccountFlows(
  config: Config,
  database: Database,
  options: { metrics: AppMetrics; logger?: Logger | undefined },
): Promise<AccountFlows> {
  const { logger, metrics } = options;
  const secrets = secretsBox(config, logger);
  const sender = await mailer(config, metrics, logger);
  const background = new BackgroundTasks({
    onProblem: (what, err) =>
      logger?.error(
        err === undefined ? { what } : { what, err: { message: (err as Error).message } },
        err === undefined ? 'background work dropped: too much in flight' : 'background work failed',
      ),
  });
  return {
    links: new OneTimeTokens(database),
    mailer: sender,
    totp: new TotpFactors(database),
    passkeys: new SqlPasskeyStore(database),
    secrets,
    background,
    async close(timeoutMs) {
      const started = Date.now();
      await background.drain(timeoutMs);
      await sender?.close(Math.max(0, timeoutMs - (Date.now() - started)));
    },
  };
}
