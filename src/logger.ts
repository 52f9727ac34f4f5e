/**
 * The process logger: JSON lines via pino, secrets redacted wherever they could appear.
 * Request URLs are logged without their query values (a token in `?access_token=` must
 * not reach a log line).
 */
import { pino, stdSerializers, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config/schema.js';

export const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'password',
  '*.password',
  'refresh_token',
  '*.refresh_token',
  'access_token',
  '*.access_token',
  'token',
  '*.token',
  'opsToken',
  'privateKeyPem',
];

/** The path of a URL with every query value replaced: `/x?a=[redacted]&b=[redacted]`. */
export function redactQuery(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const q = url.indexOf('?');
  if (q === -1) return url;
  const names = url
    .slice(q + 1)
    .split('&')
    .filter(Boolean)
    .map((pair) => `${pair.split('=', 1)[0]}=[redacted]`);
  return `${url.slice(0, q)}?${names.join('&')}`;
}

interface LoggedRequest {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  id?: string;
}

export function createLogger(
  level: LogLevel,
  bindings: Record<string, unknown> = {},
  destination?: DestinationStream,
): Logger {
  return pino(
    {
      level,
      base: { service: 'tollgate', pid: process.pid, ...bindings },
      redact: { paths: REDACT, censor: '[redacted]' },
      serializers: {
        req: (req: LoggedRequest) => ({
          method: req.method,
          url: redactQuery(req.url),
          host: req.host,
          remoteAddress: req.ip,
        }),
        err: stdSerializers.err,
      },
    },
    destination,
  );
}
