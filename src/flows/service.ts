/**
 * The auth operations, independent of HTTP: register, login, refresh, logout,
 * logout-all, revoke and authenticate (session-bound verification). Each either
 * succeeds, throws a catalogue error, or lets StoreUnavailableError through (fail
 * closed). The operations live one per file; this class binds them to their deps.
 */
import type { AuditSink } from '../persistence/audit.js';
import { RefusalTally } from '../persistence/refusal-tally.js';
import type { UserDirectory } from '../persistence/directory/user-directory.js';
import type { Store } from '../store/store.js';
import type { AccessClaims } from '../auth/access-token.js';
import { Admission, type AdmissionStats } from '../auth/admission.js';
import { authenticate } from './sessions/authenticate.js';
import type { AuthConfig, AuthDeps, AuthEvent, ClientInfo, TokenPair } from './deps.js';
import type { KeySet } from '../auth/keys.js';
import { introspect, type Introspection } from './sessions/introspect.js';
import { LastTouched } from '../auth/last-touched.js';
import { login } from './login/password.js';
import { completeMfaLogin } from './login/mfa.js';
import type { MfaChallenge } from './login/mfa-ticket.js';
import type { PasswordPolicy } from '../auth/password-policy.js';
import type { PasswordHasher } from '../auth/passwords.js';
import { refresh } from './sessions/refresh.js';
import { refreshSuccessorKey } from '../auth/refresh-token.js';
import { register } from './registration/register.js';
import { logout, logoutAll, revoke } from './sessions/revoke.js';
import { VerifiedTokenCache } from '../auth/verified-token-cache.js';

export type { AuthEvent, ClientInfo, Introspection, MfaChallenge, TokenPair };

export interface AuthServiceOptions {
  config: AuthConfig;
  store: Store;
  directory: UserDirectory;
  audit: AuditSink;
  /** Default: a tally of its own over `audit` (AUDIT_REFUSAL_WINDOW). */
  refusals?: RefusalTally;
  keys: KeySet;
  hasher: PasswordHasher;
  /** Applied to every new password (createPasswordPolicy, or noPasswordPolicy). */
  passwordPolicy: PasswordPolicy;
  /** Mailed links, the mailer (none: no mail), TOTP factors, the secrets box (none: no TOTP). */
  links: AuthDeps['links'];
  mailer: AuthDeps['mailer'];
  totp: AuthDeps['totp'];
  passkeys: AuthDeps['passkeys'];
  secrets: AuthDeps['secrets'];
  background: AuthDeps['background'];
  onEvent?: (event: AuthEvent) => void;
}

export class AuthService {
  readonly #deps: AuthDeps;

  constructor(options: AuthServiceOptions) {
    this.#deps = {
      config: options.config,
      store: options.store,
      directory: options.directory,
      audit: options.audit,
      refusals:
        options.refusals ??
        new RefusalTally(options.audit, {
          windowSeconds: options.config.rateLimit.refusalAuditWindowSeconds,
        }),
      keys: options.keys,
      hasher: options.hasher,
      hashing: new Admission({
        ...options.config.passwordHashing,
        policy: options.config.passwordHashing.admission,
        initialRunMs: options.hasher.estimatedMs,
      }),
      passwordPolicy: options.passwordPolicy,
      links: options.links,
      mailer: options.mailer,
      totp: options.totp,
      passkeys: options.passkeys,
      secrets: options.secrets,
      background: options.background,
      tokenOptions: {
        issuer: options.config.jwt.issuer,
        audience: options.config.jwt.audience,
        ttlSeconds: options.config.jwt.accessTokenTtl,
      },
      refreshKey: refreshSuccessorKey(options.keys.signing.key),
      verified: new VerifiedTokenCache(),
      lastTouched: new LastTouched(),
      onEvent: options.onEvent ?? (() => undefined),
    };
  }

  register(email: string, password: string, client: ClientInfo): Promise<{ id: string; email: string }> {
    return register(this.#deps, email, password, client);
  }

  /** A token pair, or (TOTP on) the challenge of the second step. */
  login(email: string, password: string, client: ClientInfo): Promise<TokenPair | MfaChallenge> {
    return login(this.#deps, email, password, client);
  }

  /** The second step of a login with TOTP on. */
  loginMfa(mfaToken: string, code: string, client: ClientInfo): Promise<TokenPair> {
    return completeMfaLogin(this.#deps, mfaToken, code, client);
  }

  refresh(refreshToken: string, client: ClientInfo): Promise<TokenPair> {
    return refresh(this.#deps, refreshToken, client);
  }

  /** Session-bound verification of an access token (the bearer parsing is HTTP's job). */
  authenticate(token: string): Promise<AccessClaims> {
    return authenticate(this.#deps, token);
  }

  /** RFC 7662: what a resource server may know of a token, `active` only while its session lives. */
  introspect(token: string): Promise<Introspection> {
    return introspect(this.#deps, token);
  }

  logout(claims: AccessClaims, client: ClientInfo): Promise<void> {
    return logout(this.#deps, claims, client);
  }

  logoutAll(claims: AccessClaims, client: ClientInfo): Promise<number> {
    return logoutAll(this.#deps, claims, client);
  }

  revoke(token: string, hint: string | undefined, client: ClientInfo): Promise<void> {
    return revoke(this.#deps, token, hint, client);
  }

  /** The dependencies the account operations share with these (src/accounts/). */
  get deps(): AuthDeps {
    return this.#deps;
  }

  /** A snapshot of the password-hashing admission (for /metrics). */
  get hashingStats(): AdmissionStats {
    return this.#deps.hashing.stats;
  }
}
