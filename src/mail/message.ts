/** What a mail is, and what carries it out of the process. */

/** The kinds of mail tollgate sends. Also the `kind` label of the mail metrics. */
export type MailKind = 'password_reset' | 'email_verification' | 'email_change' | 'account_notice';

export const MAIL_KINDS: readonly MailKind[] = [
  'password_reset',
  'email_verification',
  'email_change',
  'account_notice',
];

/** A rendered message, ready for a transport. */
export interface MailMessage {
  readonly kind: MailKind;
  readonly to: string;
  readonly from: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** The links in the message (they carry single-use tokens: never log them from a real send). */
  readonly links: readonly string[];
  /** `<id@host>`: the same on every attempt, so a receiver can recognise a repeated delivery. */
  readonly messageId: string;
}

/**
 * Carries a message out: SMTP in production, the log in development. `send` settles once
 * the message is handed over (or failed); it stops its work when `signal` aborts.
 */
export interface MailTransport {
  readonly name: 'smtp' | 'log';
  send(message: MailMessage, signal: AbortSignal): Promise<void>;
  /** Checks that the transport can deliver (SMTP: connect, greet, authenticate). */
  verify(signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

/** The part of an address after the last `@`, lower-cased: what logs may say about a recipient. */
export function recipientDomain(address: string): string {
  const at = address.lastIndexOf('@');
  return at >= 0 ? address.slice(at + 1).toLowerCase() : '';
}
