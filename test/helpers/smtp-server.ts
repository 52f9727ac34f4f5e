/**
 * A real SMTP server (the `smtp-server` package) on a free loopback port that keeps what
 * it receives, parsed by `mailparser`. Tests read mails with `waitForMessage` (bounded),
 * and make the next deliveries fail with `failNext`: a 4xx/5xx reply to RCPT or DATA, a
 * connection dropped before the message is read, a connection dropped after the message
 * was stored (the client never sees the answer), or a DATA that is never answered.
 * `close()` ends every connection and the listener.
 */
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import { freePort } from './ports.js';

export interface ReceivedMail {
  envelopeFrom: string;
  envelopeTo: string[];
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  messageId: string;
  headers: ReadonlyMap<string, unknown>;
  /** The authenticated user, when the server requires auth. */
  user: string | undefined;
}

export type SmtpFault =
  | { kind: 'reply'; code: number; at: 'rcpt' | 'data' }
  /** Closes the socket when DATA starts: nothing is stored. */
  | { kind: 'drop-before-data' }
  /** Stores the message, then closes the socket instead of answering: a lost answer. */
  | { kind: 'drop-after-store' }
  /** Reads the message and never answers. */
  | { kind: 'stall' };

export interface SmtpServerOptions {
  auth?: { user: string; pass: string };
}

export interface SmtpSink {
  readonly host: string;
  readonly port: number;
  /** `smtp://[user:pass@]127.0.0.1:port`. */
  readonly url: string;
  readonly messages: readonly ReceivedMail[];
  /** Mail transactions begun (MAIL FROM), successful or not: the delivery attempts seen. */
  readonly transactions: number;
  /** Failed AUTH attempts. */
  readonly authFailures: number;
  /** The next `count` transactions meet `fault`, after any faults already queued. */
  failNext(count: number, fault: SmtpFault): void;
  waitForMessage(predicate: (mail: ReceivedMail) => boolean, timeoutMs: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  if (!field) return [];
  const list = Array.isArray(field) ? field : [field];
  return list.flatMap((a) => a.value.map((v) => v.address ?? '')).filter(Boolean);
}

function smtpError(code: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode: code });
}

export async function startSmtpServer(options: SmtpServerOptions = {}): Promise<SmtpSink> {
  const port = await freePort();
  const host = '127.0.0.1';
  const messages: ReceivedMail[] = [];
  const faults: SmtpFault[] = [];
  const current = new Map<string, SmtpFault | undefined>();
  const stalled: Array<() => void> = [];
  let waiters: Array<() => void> = [];
  let transactions = 0;
  let authFailures = 0;
  let closed = false;

  const notify = (): void => {
    const list = waiters;
    waiters = [];
    for (const w of list) w();
  };

  const auth = options.auth;
  const server: SMTPServer = new SMTPServer({
    logger: false,
    disableReverseLookup: true,
    // No STARTTLS: the test server has no certificate a client would trust.
    disabledCommands: auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !auth,
    allowInsecureAuth: true,
    socketTimeout: 10_000,
    closeTimeout: 500,
    onAuth(credentials, _session, callback) {
      if (auth && credentials.username === auth.user && credentials.password === auth.pass) {
        callback(null, { user: credentials.username });
        return;
      }
      authFailures += 1;
      callback(smtpError(535, 'Authentication failed'));
    },
    onMailFrom(_address, session, callback) {
      transactions += 1;
      current.set(session.id, faults.shift());
      callback();
    },
    onRcptTo(_address, session, callback) {
      const fault = current.get(session.id);
      if (fault?.kind === 'reply' && fault.at === 'rcpt') {
        callback(smtpError(fault.code, `Test fault ${fault.code} on RCPT`));
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const fault = current.get(session.id);
      if (fault?.kind === 'drop-before-data') {
        stream.resume();
        dropConnection(session);
        return;
      }
      simpleParser(stream)
        .then((parsed) => {
          if (fault?.kind === 'reply' && fault.at === 'data') {
            callback(smtpError(fault.code, `Test fault ${fault.code} on DATA`));
            return;
          }
          if (fault?.kind === 'stall') {
            stalled.push(() => callback(smtpError(421, 'Shutting down')));
            return;
          }
          messages.push({
            envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            envelopeTo: session.envelope.rcptTo.map((r) => r.address),
            from: addresses(parsed.from)[0] ?? '',
            to: addresses(parsed.to),
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : '',
            messageId: parsed.messageId ?? '',
            headers: parsed.headers,
            user: typeof session.user === 'string' ? session.user : undefined,
          });
          notify();
          if (fault?.kind === 'drop-after-store') {
            dropConnection(session);
            return;
          }
          callback();
        })
        .catch((err: unknown) => callback(err instanceof Error ? err : new Error(String(err))));
    },
  });

  function dropConnection(session: SMTPServerSession): void {
    for (const connection of server.connections) {
      if (connection.id === session.id) connection._socket.destroy();
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Errors of single connections (a client hanging up) are part of the tests.
  server.on('error', () => undefined);

  const credentials = auth ? `${encodeURIComponent(auth.user)}:${encodeURIComponent(auth.pass)}@` : '';
  return {
    host,
    port,
    url: `smtp://${credentials}${host}:${port}`,
    messages,
    get transactions() {
      return transactions;
    },
    get authFailures() {
      return authFailures;
    },
    failNext(count, fault) {
      for (let i = 0; i < count; i++) faults.push(fault);
    },
    async waitForMessage(predicate, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = messages.find(predicate);
        if (found) return found;
        const left = deadline - Date.now();
        if (left <= 0 || closed) {
          throw new Error(`no matching mail within ${timeoutMs} ms (${messages.length} received)`);
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      notify();
      for (const release of stalled.splice(0)) release();
      for (const connection of server.connections) connection._socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
