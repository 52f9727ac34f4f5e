/**
 * Delivery to the log, for a server with no SMTP server configured. In development
 * (`revealLinks`) the message is written at info level, links included, so whoever runs
 * tollgate locally can open them. Anywhere else (staging, a test deployment without
 * SMTP_URL) a link is a live credential: the line says a mail was not sent, of which
 * kind, to a masked address, and carries neither the link nor the text.
 */
import type { Logger } from 'pino';
import type { MailMessage, MailTransport } from './message.js';

/** `a***@example.org`: enough to tell mails apart, not enough to name the person. */
export function maskAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${address[0]}***${address.slice(at)}`;
}

export function createLogTransport(logger: Logger, options: { revealLinks?: boolean } = {}): MailTransport {
  const reveal = options.revealLinks ?? false;
  return {
    name: 'log',
    async send(message: MailMessage): Promise<void> {
      if (!reveal) {
        const to = maskAddress(message.to);
        logger.warn(
          { mail: { kind: message.kind, to } },
          `mail not sent (no SMTP_URL configured): ${message.kind} to ${to}; its link is not logged outside DEPLOYMENT_ENV=development`,
        );
        return;
      }
      logger.info(
        {
          mail: {
            kind: message.kind,
            to: message.to,
            subject: message.subject,
            links: message.links,
            text: message.text,
          },
        },
        `mail written to this log instead of sent (no SMTP_URL): "${message.subject}" to ${message.to}; link: ${message.links.join(' ')}`,
      );
    },
    async verify(): Promise<void> {},
    async close(): Promise<void> {},
  };
}
