/**
 * Security notices: a mail to the owner of an account each time one of its factors or
 * credentials changes (passkey added or removed, TOTP on or off, new recovery codes,
 * password changed or reset, email changed, account deleted, an administrator removing
 * a factor) and when a passkey signs in from a device not seen before. The mail says
 * what happened, when and from where, and how to take the account back. A notice never
 * waits for the mail server and never fails the change it reports; a server without
 * mail sends none.
 */
import type { FlowDeps, ClientInfo } from '../deps.js';
import { cleanUserAgent } from './session-tokens.js';

const clientText = (client: ClientInfo | undefined): string => {
  if (!client) return '';
  const ua = cleanUserAgent(client.userAgent).slice(0, 120);
  return ` from the address ${client.ip}${ua ? ` (${ua})` : ''}`;
};

const stamp = (): string =>
  new Date()
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');

/** Queues a notice to `to`: "<what>, on <time>, from <address> (<browser>)." */
export function notifyOwner(
  deps: Pick<FlowDeps, 'mailer'>,
  to: string,
  what: string,
  client?: ClientInfo,
): void {
  deps.mailer?.sendNotice({ to, change: `${what} on ${stamp()}${clientText(client)}.` });
}

/** The wording of each notice, in one place. */
export const NOTICE = {
  passkeyAdded: (name: string) => `A passkey named "${name}" was added to your account`,
  passkeyRemoved: (name: string) => `The passkey "${name}" was removed from your account`,
  passkeyNewDevice: (name: string) =>
    `Your account was signed in with the passkey "${name}" from a device it had not been used from before`,
  totpEnabled: () => 'Two-factor login with an authenticator app was turned on for your account',
  totpDisabled: () => 'Two-factor login with an authenticator app was turned off for your account',
  recoveryCodes: () => 'New recovery codes were made for your account; the earlier ones no longer work',
  passwordChanged: () => 'The password of your account was changed',
  passwordReset: (removed: string) => `The password of your account was reset${removed}`,
  emailChangeRequested: (to: string) =>
    `A change of your account's email address to ${to} was requested; it takes effect when the link sent there is opened`,
  emailChanged: (to: string) => `The email address of your account was changed to ${to}`,
  accountDeleted: () => 'Your account was deleted',
  factorRemovedByAdmin: (what: string) => `An administrator removed ${what} from your account`,
} as const;
