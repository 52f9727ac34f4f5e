/**
 * Delivery over SMTP with nodemailer's pooled transport. Every wait is bounded
 * (connection, greeting, socket inactivity, DNS), and each send honours its
 * AbortSignal (nodemailer closes the connection that was carrying it). Nodemailer's own
 * re-queueing on a dropped connection is off: the mail queue decides about retries, so
 * attempts are counted in one place.
 */
import nodemailer from 'nodemailer';
import { abortable } from './abortable.js';
import type { MailMessage, MailTransport } from './message.js';
import type { SmtpEndpoint } from '../config/smtp-url.js';

export interface SmtpTimeouts {
  /** TCP (and TLS) connect. Default 10 s. */
  connectionTimeoutMs?: number;
  /** From connect to the server's greeting. Default 10 s. */
  greetingTimeoutMs?: number;
  /** Inactivity on an open connection. Default 20 s. */
  socketTimeoutMs?: number;
  /** DNS lookup of the host. Default 10 s. */
  dnsTimeoutMs?: number;
}

export interface SmtpTransportOptions extends SmtpTimeouts {
  endpoint: SmtpEndpoint;
  /** Pooled connections (at least the queue's concurrency). Default 2. */
  maxConnections?: number;
}

export function createSmtpTransport(options: SmtpTransportOptions): MailTransport {
  const { endpoint } = options;
  const transporter = nodemailer.createTransport({
    pool: true,
    host: endpoint.host,
    port: endpoint.port,
    secure: endpoint.secure,
    requireTLS: endpoint.requireTLS,
    ...(endpoint.auth ? { auth: { user: endpoint.auth.user, pass: endpoint.auth.pass } } : {}),
    connectionTimeout: options.connectionTimeoutMs ?? 10_000,
    greetingTimeout: options.greetingTimeoutMs ?? 10_000,
    socketTimeout: options.socketTimeoutMs ?? 20_000,
    dnsTimeout: options.dnsTimeoutMs ?? 10_000,
    maxConnections: options.maxConnections ?? 2,
    maxRequeues: 0,
    // nodemailer must not log: its lines would carry addresses and message bodies.
    logger: false,
    debug: false,
    disableFileAccess: true,
    disableUrlAccess: true,
  });

  return {
    name: 'smtp',
    async send(message: MailMessage, signal: AbortSignal): Promise<void> {
      await transporter.sendMail({
        from: message.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        messageId: message.messageId,
        // RFC 3834: automated mail; keeps vacation responders from answering it.
        headers: { 'Auto-Submitted': 'auto-generated' },
        signal,
      });
    },
    async verify(signal: AbortSignal): Promise<void> {
      await abortable(transporter.verify(), signal);
    },
    async close(): Promise<void> {
      transporter.close({ force: true });
    },
  };
}

/**
 * How a failed attempt should be treated. A 5xx reply (or an envelope nodemailer refused
 * before talking to the server) will not get better by retrying: permanent. A 4xx, a
 * dropped connection, a timeout, a DNS failure: transient.
 */
export function classifySendError(err: unknown): { permanent: boolean; reason: string } {
  const e = err as { responseCode?: unknown; code?: unknown; name?: unknown };
  const responseCode = typeof e?.responseCode === 'number' ? e.responseCode : undefined;
  if (responseCode !== undefined) {
    return { permanent: responseCode >= 500 && responseCode < 600, reason: `smtp_${responseCode}` };
  }
  if (e?.name === 'TimeoutError') return { permanent: false, reason: 'timeout' };
  const code = typeof e?.code === 'string' ? e.code : undefined;
  if (code === 'EENVELOPE' || code === 'EMESSAGE' || code === 'ECONFIG') {
    return { permanent: true, reason: code.toLowerCase() };
  }
  return { permanent: false, reason: code ? code.toLowerCase() : 'error' };
}
