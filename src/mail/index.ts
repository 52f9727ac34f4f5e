export {
  createMailer,
  DEFAULT_LINK_PATHS,
  type Mailer,
  type MailerOptions,
  type TokenMail,
  type NoticeMail,
} from './mailer.js';
export { MailQueue, backoffDelay, type MailEvent, type MailStats, type MailQueueTuning } from './queue.js';
export {
  MAIL_KINDS,
  recipientDomain,
  type MailKind,
  type MailMessage,
  type MailTransport,
} from './message.js';
export { parseSmtpUrl, type SmtpEndpoint } from '../config/smtp-url.js';
export { classifySendError, createSmtpTransport, type SmtpTimeouts } from './smtp-transport.js';
export { createLogTransport } from './log-transport.js';
export {
  checkMailTemplates,
  loadMailTemplates,
  renderMail,
  escapeHtml,
  describeDuration,
  PLACEHOLDERS,
  templateFileName,
  type MailTemplates,
} from './templates.js';
