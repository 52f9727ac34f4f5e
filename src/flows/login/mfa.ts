/**
 * POST /auth/login/mfa: the second step of a login with TOTP on. The `mfa_token` from
 * the password step and a TOTP code (or a recovery code, each usable once) open the
 * session. Wrong codes count against the account's code limit (shared by every worker);
 * an account whose password, standing or factor changed since the first step must log
 * in again.
 */
import { checkMfaAttempts, recordMfaFailure, recordMfaSuccess } from '../shared/request-limits.js';
import { checkSecondFactor } from '../shared/second-factor.js';
import { InvalidCodeError, TooManyAttemptsError } from '../../errors.js';
import type { FlowDeps, ClientInfo, TokenPair } from '../deps.js';
import { returnMfaTicket, takeMfaTicket } from './mfa-ticket.js';
import { openSession } from '../shared/session-tokens.js';

const LOG_IN_AGAIN = 'The MFA token is invalid or expired; log in again';

export async function completeMfaLogin(
  deps: Pick<
    FlowDeps,
    'config' | 'store' | 'directory' | 'events' | 'keys' | 'tokenOptions' | 'totp' | 'secrets'
  >,
  mfaToken: string,
  code: string,
  client: ClientInfo,
): Promise<TokenPair> {
  const ticket = await takeMfaTicket(deps, mfaToken);
  if (!ticket) throw new InvalidCodeError(401, LOG_IN_AGAIN);
  const where = { ip: client.ip, userAgent: client.userAgent };
  try {
    await checkMfaAttempts(deps, ticket.uid);
  } catch (err) {
    // Refused before any guess: the ticket stays for when the limit lifts (within its life).
    if (err instanceof TooManyAttemptsError) {
      await deps.events.record('mfa_limit_reached');
      await returnMfaTicket(deps, mfaToken, ticket);
    }
    throw err;
  }
  const account = await deps.directory.findById(ticket.uid);
  const factor = account?.mfaEnabled ? await deps.totp.find(account.id) : null;
  if (!account || account.disabled || account.securityStamp !== ticket.stamp || !factor?.enabledAt) {
    throw new InvalidCodeError(401, LOG_IN_AGAIN);
  }
  const used = await checkSecondFactor(deps, factor, code, true);
  if (!used) {
    await deps.events.record('mfa_failure', { userId: account.id, ...where, detail: { during: 'login' } });
    try {
      await recordMfaFailure(deps, account.id);
    } catch (err) {
      if (err instanceof TooManyAttemptsError) {
        await deps.events.record('mfa_locked', { userId: account.id, ...where });
      }
      throw err;
    }
    await returnMfaTicket(deps, mfaToken, ticket);
    throw new InvalidCodeError(401);
  }
  await recordMfaSuccess(deps, account.id);
  // RFC 8176: a password and a one-time code (a recovery code is one too), two factors.
  const opened = await openSession(deps, account, client, ['pwd', 'otp', 'mfa']);
  if (opened === 'stale') throw new InvalidCodeError(401, LOG_IN_AGAIN);
  await deps.events.record('mfa_success');
  await deps.events.record('login_success', {
    userId: account.id,
    ...where,
    detail: { sid: opened.sid, mfa: used },
  });
  return opened.pair;
}
