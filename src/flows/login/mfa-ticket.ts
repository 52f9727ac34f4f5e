/**
 * The ticket between the two steps of a login with TOTP on: a correct password yields
 * only an `mfa_token` (256 random bits, 5 minutes) that names the account and the
 * security stamp the password was checked against. It is kept in the session store, so
 * any worker or instance can finish the login, and taken with GETDEL: of concurrent
 * second steps only one holds it. A wrong code hands it back for the rest of its life
 * (a typo does not send the person back to the password); the code limit bounds the
 * guesses, and a successful step uses it up.
 */
import { randomBytes } from 'node:crypto';
import type { Account } from '../../persistence/directory/user-directory.js';
import { keys } from '../../store/keys.js';
import type { FlowDeps } from '../deps.js';

export const MFA_TICKET_TTL_SECONDS = 300;
const KIND = 'mfa';
const SHAPE = /^[A-Za-z0-9_-]{43}$/;

export interface MfaChallenge {
  mfa_required: true;
  mfa_token: string;
  expires_in: number;
}

export interface MfaTicket {
  uid: string;
  stamp: string;
  /** Expiry, ms since the epoch. */
  exp: number;
}

export async function issueMfaTicket(deps: Pick<FlowDeps, 'store'>, account: Account): Promise<MfaChallenge> {
  const token = randomBytes(32).toString('base64url');
  const ticket: MfaTicket = {
    uid: account.id,
    stamp: account.securityStamp,
    exp: Date.now() + MFA_TICKET_TTL_SECONDS * 1000,
  };
  await deps.store.putOnce(keys.oneTime(KIND, token), JSON.stringify(ticket), MFA_TICKET_TTL_SECONDS);
  return { mfa_required: true, mfa_token: token, expires_in: MFA_TICKET_TTL_SECONDS };
}

/** Takes the ticket (no one else can now); null when unknown, used or expired. */
export async function takeMfaTicket(deps: Pick<FlowDeps, 'store'>, token: string): Promise<MfaTicket | null> {
  if (!SHAPE.test(token)) return null;
  const raw = await deps.store.takeOnce(keys.oneTime(KIND, token));
  if (raw === null) return null;
  const ticket = JSON.parse(raw) as MfaTicket;
  return ticket.exp > Date.now() ? ticket : null;
}

/** Hands a taken ticket back for the rest of its lifetime. */
export async function returnMfaTicket(
  deps: Pick<FlowDeps, 'store'>,
  token: string,
  ticket: MfaTicket,
): Promise<void> {
  const left = Math.floor((ticket.exp - Date.now()) / 1000);
  if (left >= 1) await deps.store.putOnce(keys.oneTime(KIND, token), JSON.stringify(ticket), left);
}
