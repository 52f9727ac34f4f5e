/**
 * Development delivery: with no SMTP server configured, the message is written to the
 * log at info level, links included, so whoever runs tollgate locally can open them.
 * The log line carries the message itself (recipient, subject, text body, links) and
 * nothing else: no configuration, no credentials. It is the one line of that mail: the
 * queue, which says "mail sent" after an SMTP delivery, says nothing more for the log.
 */
import type { Logger } from 'pino';
import type { MailMessage, MailTransport } from './message.js';

export function createLogTransport(logger: Logger): MailTransport {
  return {
    name: 'log',
    async send(message: MailMessage): Promise<void> {
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
