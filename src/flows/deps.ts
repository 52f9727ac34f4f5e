/**
 * What the flows run on: one object, built once by the composition root
 * (`flowDeps` in src/compose.ts). Every operation is a plain function whose first
 * argument is `FlowDeps` or a `Pick<FlowDeps, ...>` of what it uses; routes and CLI
 * commands call the same functions.
 */
import type { SecurityEvents } from '../events/record.js';
import type { UserDirectory } from '../persistence/directory/user-directory.js';
import type { Config, WebAuthnConfig } from '../config/schema.js';
import type { Store } from '../store/store.js';
import type { AccessTokenOptions } from '../auth/access-token.js';
import type { Mailer } from '../mail/mailer.js';
import type { TotpFactors } from '../persistence/totp-factors.js';
import type { PasskeyStore } from '../persistence/passkey-store.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { OneTimeTokens } from '../persistence/one-time-tokens.js';
import type { BackgroundTasks } from '../util/background.js';
import type { Admission } from '../auth/admission.js';
import type { KeySet } from '../auth/keys.js';
import type { PasswordPolicy } from '../auth/password-policy.js';
import type { PasswordHasher } from '../auth/passwords.js';
import type { LastTouched } from '../auth/last-touched.js';
import type { VerifiedTokenCache } from '../auth/verified-token-cache.js';

export type AuthConfig = Pick<
  Config,
  | 'jwt'
  | 'rateLimit'
  | 'allowRegistration'
  | 'passwordMinLength'
  | 'passwordMaxLength'
  | 'passwordHashing'
  | 'maxSessionsPerUser'
  | 'accounts'
  | 'webauthn'
>;

export interface FlowDeps {
  config: AuthConfig;
  /** Hot, expiring state: sessions and login counters. */
  store: Store;
  /** Durable accounts and the audit log. */
  directory: UserDirectory;
  /** Where every security event goes: metric, log line, audit row (src/events/). */
  events: SecurityEvents;
  keys: KeySet;
  hasher: PasswordHasher;
  /** Bounds the argon2 work of this process (sheds a login flood with 503). */
  hashing: Admission;
  /** What a new password must be beyond its length (strength, breaches). */
  passwordPolicy: PasswordPolicy;
  tokenOptions: AccessTokenOptions;
  /** Derives each refresh token's successor (see refresh-token.ts). */
  refreshKey: Buffer;
  verified: VerifiedTokenCache;
  /** When this process last recorded each session as used (bounds the writes). */
  lastTouched: LastTouched;
  /** Mailed single-use links (password reset, email verification). */
  links: OneTimeTokens;
  /** Account mail; undefined when this server sends none (production without SMTP_URL). */
  mailer: Mailer | undefined;
  /** TOTP factors and recovery codes. */
  totp: TotpFactors;
  /** The accounts' passkeys (the ceremonies: src/flows/login/passkey.ts, src/flows/factors/passkey-*.ts). */
  passkeys: PasskeyStore;
  /** The WebAuthn relying party: who we are to authenticators, and which origins are ours. */
  rp: WebAuthnConfig;
  /** Keys the stand-in credentials offered for an email without passkeys (src/flows/login/passkey-decoy.ts). */
  decoyKey: Buffer;
  /** Seals TOTP secrets; undefined when TOTP is off (production without SECRETS_KEY). */
  secrets: SecretBox | undefined;
  /** Work a request starts without waiting for it (reset requests). */
  background: BackgroundTasks;
}

/** Who is asking: recorded on the session they open (its owner sees it). */
export interface ClientInfo {
  ip: string;
  userAgent: string;
}

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: 'bearer';
  expires_in: number;
}
