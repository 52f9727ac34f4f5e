/**
 * The auth operations, independent of HTTP: register, login, refresh, logout,
 * logout-all, revoke and authenticate (session-bound verification). Each either
 * succeeds, throws a catalogue error, or lets StoreUnavailableError through (fail closed).
 */
import { randomUUID } from 'node:crypto';
import type { Config } from '../config/schema.js';
import {
  EmailTakenError,
  InvalidCredentialsError,
  InvalidGrantError,
  InvalidRequestError,
  InvalidTokenError,
  OverloadedError,
  RegistrationDisabledError,
  TooManyAttemptsError,
} from '../errors.js';
import type { Store } from '../store/store.js';
import {
  signAccessToken,
  verifyAccessToken,
  type AccessClaims,
  type AccessTokenOptions,
} from './access-token.js';
import { isPlausibleEmail, normaliseEmail } from './email.js';
import type { KeySet } from './keys.js';
import { loginRules } from './login-limits.js';
import { hashPassword, verifyOrDecoy } from './passwords.js';
import { mintRefreshToken, newSessionId, parseRefreshToken } from './refresh-token.js';
import { Admission } from './admission.js';
import { VerifiedTokenCache } from './verified-token-cache.js';

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: 'bearer';
  expires_in: number;
}

export type AuthEvent =
  | 'register'
  | 'login_success'
  | 'login_failure'
  | 'login_locked'
  | 'login_shed'
  | 'refresh_rotated'
  | 'refresh_reused'
  | 'refresh_invalid'
  | 'logout'
  | 'logout_all'
  | 'revoke';

export interface AuthServiceOptions {
  config: Pick<
    Config,
    'jwt' | 'rateLimit' | 'allowRegistration' | 'passwordMinLength' | 'passwordMaxLength' | 'passwordHashing'
  >;
  store: Store;
  keys: KeySet;
  /** Called for every security-relevant outcome (metrics, audit logs). Never given secrets. */
  onEvent?: (event: AuthEvent, detail?: Record<string, string>) => void;
}

export class AuthService {
  private readonly store: Store;
  private readonly keys: KeySet;
  private readonly tokenOptions: AccessTokenOptions;
  private readonly onEvent: NonNullable<AuthServiceOptions['onEvent']>;
  private readonly verified = new VerifiedTokenCache();
  /** Bounds argon2 work (sheds a login flood with 503). */
  private readonly hashing: Admission;

  constructor(private readonly options: AuthServiceOptions) {
    this.store = options.store;
    this.keys = options.keys;
    this.tokenOptions = { issuer: options.config.jwt.issuer, ttlSeconds: options.config.jwt.accessTokenTtl };
    this.onEvent = options.onEvent ?? (() => undefined);
    this.hashing = new Admission(options.config.passwordHashing);
  }

  private checkPassword(password: string): void {
    const { passwordMinLength: min, passwordMaxLength: max } = this.options.config;
    if (password.length < min || password.length > max) {
      throw new InvalidRequestError(`password must be ${min} to ${max} characters`);
    }
  }

  async register(emailInput: string, password: string): Promise<{ id: string; email: string }> {
    if (!this.options.config.allowRegistration) throw new RegistrationDisabledError();
    const email = normaliseEmail(emailInput);
    if (!isPlausibleEmail(email)) throw new InvalidRequestError('email must be a valid email address');
    this.checkPassword(password);
    const user = {
      id: randomUUID(),
      email,
      passwordHash: await this.hashing.run(() => hashPassword(password)),
      createdAt: Date.now(),
    };
    if (!(await this.store.createUser(user))) throw new EmailTakenError();
    this.onEvent('register');
    return { id: user.id, email: user.email };
  }

  async login(emailInput: string, password: string, ip: string): Promise<TokenPair> {
    const email = normaliseEmail(emailInput);
    const rules = loginRules(this.options.config.rateLimit, email, ip);
    const decision = await this.store.consumeAttempt([rules.accountIp, rules.ip]);
    if (!decision.allowed) {
      this.onEvent('login_locked');
      throw new TooManyAttemptsError(decision.retryAfterSeconds);
    }
    // Over-long passwords are treated as wrong (not a 400) so the answer does not
    // depend on whether the account exists; the schema caps the body size anyway.
    let user: Awaited<ReturnType<Store['findUserByEmail']>>;
    let ok: boolean;
    try {
      user = await this.store.findUserByEmail(email);
      const plausible = password.length <= this.options.config.passwordMaxLength;
      ok =
        (await this.hashing.run(() => verifyOrDecoy(user?.passwordHash, plausible ? password : ''))) &&
        plausible;
    } catch (err) {
      // Shed before the password was judged: not a failed guess, so the attempts go back.
      if (err instanceof OverloadedError) {
        this.onEvent('login_shed');
        await Promise.all([this.store.refundAttempt(rules.accountIp), this.store.refundAttempt(rules.ip)]);
      }
      throw err;
    }
    if (!ok || !user) {
      this.onEvent('login_failure');
      throw new InvalidCredentialsError();
    }
    await Promise.all([this.store.resetAttempts(rules.accountIp), this.store.refundAttempt(rules.ip)]);
    const pair = await this.openSession(user.id, user.email);
    this.onEvent('login_success');
    return pair;
  }

  private async openSession(uid: string, email: string): Promise<TokenPair> {
    const sid = newSessionId();
    const refresh = mintRefreshToken(uid, sid);
    await this.store.createSession({
      uid,
      sid,
      email,
      refreshHash: refresh.hash,
      ttlSeconds: this.options.config.jwt.refreshTokenTtl,
    });
    return this.pair(uid, email, sid, refresh.token);
  }

  private async pair(uid: string, email: string, sid: string, refreshToken: string): Promise<TokenPair> {
    const access = await signAccessToken(this.keys, this.tokenOptions, { uid, email, sid });
    return {
      access_token: access.token,
      refresh_token: refreshToken,
      token_type: 'bearer',
      expires_in: access.expiresIn,
    };
  }

  async refresh(refreshToken: string): Promise<TokenPair> {
    const parsed = parseRefreshToken(refreshToken);
    if (!parsed) {
      this.onEvent('refresh_invalid');
      throw new InvalidGrantError();
    }
    const next = mintRefreshToken(parsed.uid, parsed.sid);
    const result = await this.store.rotateRefresh(
      parsed.uid,
      parsed.sid,
      parsed.hash,
      next.hash,
      this.options.config.jwt.refreshTokenTtl,
    );
    if (result.status === 'rotated') {
      this.onEvent('refresh_rotated');
      return this.pair(result.session.uid, result.session.email, result.session.sid, next.token);
    }
    if (result.status === 'reused') {
      this.onEvent('refresh_reused');
      throw new InvalidGrantError('The refresh token was already used; the session has been revoked');
    }
    this.onEvent('refresh_invalid');
    throw new InvalidGrantError();
  }

  /** Session-bound verification: a valid signature is not enough, the session must be alive. */
  async authenticate(authorization: string | undefined): Promise<AccessClaims> {
    const token = bearerToken(authorization);
    let claims = this.verified.get(token);
    if (!claims) {
      claims = await verifyAccessToken(this.keys, this.tokenOptions, token);
      this.verified.set(token, claims);
    }
    if (!(await this.store.isSessionAlive(claims.sub, claims.sid))) throw new InvalidTokenError();
    return claims;
  }

  async logout(claims: AccessClaims): Promise<void> {
    await this.store.deleteSession(claims.sub, claims.sid);
    this.onEvent('logout');
  }

  async logoutAll(claims: AccessClaims): Promise<number> {
    const n = await this.store.deleteAllSessions(claims.sub);
    this.onEvent('logout_all');
    return n;
  }

  /** RFC 7009: revokes an access or refresh token's session; unknown tokens are not an error. */
  async revoke(token: string, hint: string | undefined): Promise<void> {
    const tryRefresh = async (): Promise<boolean> => {
      const parsed = parseRefreshToken(token);
      if (!parsed) return false;
      await this.store.deleteSessionByRefresh(parsed.uid, parsed.sid, parsed.hash);
      return true;
    };
    const tryAccess = async (): Promise<boolean> => {
      let claims: AccessClaims;
      try {
        claims = await verifyAccessToken(this.keys, this.tokenOptions, token);
      } catch (err) {
        if (err instanceof InvalidTokenError) return false;
        throw err;
      }
      await this.store.deleteSession(claims.sub, claims.sid);
      return true;
    };
    const order = hint === 'access_token' ? [tryAccess, tryRefresh] : [tryRefresh, tryAccess];
    for (const attempt of order) if (await attempt()) break;
    this.onEvent('revoke');
  }
}

export function bearerToken(authorization: string | undefined): string {
  if (!authorization) throw new InvalidTokenError('Missing bearer token');
  const m = /^Bearer +([^\s]+)\s*$/i.exec(authorization);
  if (!m) throw new InvalidTokenError('The Authorization header must be "Bearer <token>"');
  return m[1]!;
}
