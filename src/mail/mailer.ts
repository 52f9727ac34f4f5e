/**
 * The Mailer: renders the account mails from their templates and hands them to the
 * queue, which delivers them over SMTP (SMTP_URL) or, with none configured, to the log.
 * The `send…` methods never wait for the network: they return whether the message was
 * taken (false only when the queue is full or closed).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { ConfigError } from '../errors.js';
import { buildTokenLink, normalisePublicUrl } from './links.js';
import { createLogTransport } from './log-transport.js';
import type { MailKind, MailMessage, MailTransport } from './message.js';
import { MailQueue, type MailEvent, type MailQueueTuning, type MailStats } from './queue.js';
import { parseSmtpUrl } from '../config/smtp-url.js';
import { classifySendError, createSmtpTransport, type SmtpTimeouts } from './smtp-transport.js';
import { describeDuration, loadMailTemplates, renderMail } from './templates.js';

export interface MailerOptions {
  /** SMTP_URL; undefined sends mail to the log (development). */
  smtpUrl?: string | undefined;
  /** Production: a missing smtpUrl is a start-up error instead of the log fallback. */
  requireSmtp?: boolean;
  /** MAIL_FROM, e.g. `"Example Accounts" <no-reply@example.com>`. */
  from: string;
  /** PUBLIC_URL: the base of every link. */
  publicUrl: string;
  /** MAIL_TEMPLATES_DIR: files here replace the built-in templates of the same name. */
  templatesDir?: string | undefined;
  /** Shown in the mails. Default "tollgate". */
  productName?: string;
  /** Paths on publicUrl that receive the token as `?token=`. */
  linkPaths?: { passwordReset?: string; emailVerification?: string };
  logger: Logger;
  /**
   * Log delivery only: write the links themselves to the log (development). Off, the
   * log says a mail was not sent, without its link or text.
   */
  revealLinks?: boolean;
  queue?: MailQueueTuning;
  smtp?: SmtpTimeouts;
  /** Outcome hook (sent, retried, failed, dropped), for metrics. */
  onEvent?: (event: MailEvent) => void;
  /** Replaces the transport chosen from smtpUrl (tests, other delivery). */
  transport?: MailTransport;
  /** Jitter source for the retry backoff. */
  random?: () => number;
}

export interface TokenMail {
  to: string;
  /** The single-use token the link carries. */
  token: string;
  /** Lifetime of the token, for the text of the mail. */
  expiresInSeconds: number;
}

/** A notice to the owner of an account: what changed, in one or two sentences. */
export interface NoticeMail {
  to: string;
  change: string;
}

export interface Mailer {
  /** Which delivery is in use: 'smtp' or 'log'. */
  readonly transport: 'smtp' | 'log';
  sendPasswordReset(mail: TokenMail): boolean;
  sendEmailVerification(mail: TokenMail): boolean;
  /** The link that confirms a new address (sent to the new address). */
  sendEmailChange(mail: TokenMail): boolean;
  /** A security notice: a factor or credential of the account changed, or a new device signed in. */
  sendNotice(mail: NoticeMail): boolean;
  /** Connects, greets and authenticates once (SMTP); rejects on failure or after `timeoutMs`. */
  verify(timeoutMs?: number): Promise<void>;
  stats(): MailStats;
  /** Resolves when nothing is held (or after `timeoutMs`): true when empty. */
  idle(timeoutMs: number): Promise<boolean>;
  /** Stops taking mail, sends what is held within `timeoutMs`, drops (counted) the rest. */
  close(timeoutMs?: number): Promise<void>;
}

export const DEFAULT_LINK_PATHS = {
  passwordReset: '/reset-password',
  emailVerification: '/verify-email',
} as const;

function checkFrom(from: string): string {
  const trimmed = from.trim();
  // One address, optionally with a display name: `a@b` or `Name <a@b>`.
  if (!/^(?:[^<>@\r\n]*<[^<>\s@]+@[^<>\s@]+>|[^<>\s@]+@[^<>\s@]+)$/.test(trimmed)) {
    throw new ConfigError('MAIL_FROM', 'must be one address, e.g. "Example" <no-reply@example.com>');
  }
  return trimmed;
}

function checkPath(path: string): string {
  if (!path.startsWith('/') || /[?#]/.test(path)) {
    throw new RangeError(`mail link path ${JSON.stringify(path)} must start with / and have no ? or #`);
  }
  return path;
}

export async function createMailer(options: MailerOptions): Promise<Mailer> {
  const from = checkFrom(options.from);
  const base = normalisePublicUrl(options.publicUrl);
  const messageIdHost = new URL(base).hostname || 'localhost';
  const templates = await loadMailTemplates(options.templatesDir);
  const productName = options.productName ?? 'tollgate';
  const verifyPath = checkPath(options.linkPaths?.emailVerification ?? DEFAULT_LINK_PATHS.emailVerification);
  const paths = {
    password_reset: checkPath(options.linkPaths?.passwordReset ?? DEFAULT_LINK_PATHS.passwordReset),
    email_verification: verifyPath,
    // The same page confirms a new address: it posts the token to POST /auth/email-verification.
    email_change: verifyPath,
  } satisfies Record<Exclude<MailKind, 'account_notice'>, string>;

  let transport = options.transport;
  if (!transport) {
    if (options.smtpUrl) {
      transport = createSmtpTransport({
        endpoint: parseSmtpUrl(options.smtpUrl),
        ...options.smtp,
        maxConnections: options.queue?.concurrency ?? 2,
      });
    } else if (options.requireSmtp) {
      throw new ConfigError('SMTP_URL', 'is required to send mail in production');
    } else {
      transport = createLogTransport(options.logger, { revealLinks: options.revealLinks ?? false });
    }
  }
  const queue = new MailQueue({
    ...options.queue,
    transport,
    logger: options.logger,
    classify: classifySendError,
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    ...(options.random ? { random: options.random } : {}),
  });

  const send = (kind: Exclude<MailKind, 'account_notice'>, mail: TokenMail): boolean => {
    const link = buildTokenLink(base, paths[kind], mail.token);
    const rendered = renderMail(templates, kind, {
      link,
      email: mail.to,
      expires_in: describeDuration(mail.expiresInSeconds),
      product_name: productName,
      change: '',
    });
    return enqueue(kind, mail.to, rendered, link);
  };

  const sendNotice = (mail: NoticeMail): boolean => {
    // No token: the link is the service itself, where the owner signs in or asks for a reset.
    const link = `${base}/`;
    const rendered = renderMail(templates, 'account_notice', {
      link,
      email: mail.to,
      expires_in: '',
      product_name: productName,
      change: mail.change,
    });
    return enqueue('account_notice', mail.to, rendered, link);
  };

  const enqueue = (kind: MailKind, to: string, rendered: ReturnType<typeof renderMail>, link: string) => {
    const message: MailMessage = {
      kind,
      to,
      from,
      ...rendered,
      links: [link],
      messageId: `<${randomUUID()}@${messageIdHost}>`,
    };
    return queue.enqueue(message);
  };

  const chosen = transport;
  return {
    transport: chosen.name,
    sendPasswordReset: (mail) => send('password_reset', mail),
    sendEmailVerification: (mail) => send('email_verification', mail),
    sendEmailChange: (mail) => send('email_change', mail),
    sendNotice,
    verify: (timeoutMs = 10_000) => chosen.verify(AbortSignal.timeout(timeoutMs)),
    stats: () => queue.stats(),
    idle: (timeoutMs) => queue.idle(timeoutMs),
    close: (timeoutMs) => queue.close(timeoutMs),
  };
}
