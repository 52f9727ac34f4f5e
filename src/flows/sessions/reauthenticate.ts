/**
 * POST /auth/reauthenticate: the caller proves again who they are, as a sign-in would
 * (the password, and a TOTP or recovery code when two-factor login is on; a TOTP code
 * alone for an account without a password), and the session records the time and the
 * methods (`auth_time`, `amr`). The answer is a new access token carrying them; the
 * refresh token is unchanged, and later refreshes carry the same proof. Wrong passwords
 * count against the login limits and wrong codes against the code limit, exactly as at
 * sign-in, so a stolen access token cannot be used to guess either faster.
 */
import { checkMfaAttempts, recordMfaFailure, recordMfaSuccess } from '../shared/request-limits.js';
import { checkSecondFactor } from '../shared/second-factor.js';
import {
  InvalidCodeError,
  InvalidCredentialsError,
  InvalidRequestError,
  InvalidTokenError,
  TooManyAttemptsError,
} from '../../errors.js';
import type { AccessClaims } from '../../auth/access-token.js';
import type { FlowDeps, ClientInfo } from '../deps.js';
import { checkPassword } from '../shared/password-check.js';
import { issueAccess, nowSeconds } from '../shared/session-tokens.js';

export interface ReauthProof {
  password?: string | undefined;
  code?: string | undefined;
}

export interface Reauthenticated {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  auth_time: number;
  amr: string[];
}

export async function reauthenticate(
  deps: Pick<
    FlowDeps,
    | 'config'
    | 'store'
    | 'directory'
    | 'events'
    | 'keys'
    | 'hasher'
    | 'hashing'
    | 'tokenOptions'
    | 'totp'
    | 'secrets'
  >,
  claims: AccessClaims,
  proof: ReauthProof,
  client: ClientInfo,
): Promise<Reauthenticated> {
  const account = await deps.directory.findById(claims.sub);
  if (!account || account.disabled) throw new InvalidTokenError();
  const where = { userId: account.id, ip: client.ip, userAgent: client.userAgent };
  const failed = async (reason: string): Promise<void> => {
    await deps.events.record('reauth_failure', { ...where, detail: { sid: claims.sid, reason } });
  };

  const amr: string[] = [];
  if (account.passwordHash !== null) {
    if (proof.password === undefined) throw new InvalidRequestError('Send the password of the account');
    if ((await checkPassword(deps, account.email, account, proof.password, client)) === 'wrong') {
      await failed('password');
      throw new InvalidCredentialsError('The password is wrong');
    }
    amr.push('pwd');
  } else if (!account.mfaEnabled) {
    throw new InvalidRequestError(
      'This account signs in with passkeys only: sign in again with a passkey to confirm it is you',
    );
  }

  if (account.mfaEnabled) {
    if (proof.code === undefined) {
      throw new InvalidCodeError(401, 'Two-factor login is on: send a TOTP or recovery code as well');
    }
    const factor = await deps.totp.find(account.id);
    if (!factor?.enabledAt) throw new InvalidCodeError(401);
    await checkMfaAttempts(deps, account.id);
    const used = await checkSecondFactor(deps, factor, proof.code, true);
    if (!used) {
      await failed('code');
      await deps.events.record('mfa_code_rejected');
      try {
        await recordMfaFailure(deps, account.id);
      } catch (err) {
        if (err instanceof TooManyAttemptsError) await deps.events.record('mfa_limit_reached');
        throw err;
      }
      throw new InvalidCodeError(401);
    }
    await recordMfaSuccess(deps, account.id);
    amr.push('otp');
    if (amr.includes('pwd')) amr.push('mfa');
  }

  const auth = { authTime: nowSeconds(), amr };
  if (!(await deps.store.setSessionAuth(account.id, claims.sid, auth))) throw new InvalidTokenError();
  const access = await issueAccess(deps, account, claims.sid, auth);
  await deps.events.record('reauthenticated', { ...where, detail: { sid: claims.sid, amr } });
  return {
    access_token: access.token,
    token_type: 'bearer',
    expires_in: access.expiresIn,
    auth_time: auth.authTime,
    amr,
  };
}
