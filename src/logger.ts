/** The process logger: JSON lines via pino, secrets redacted wherever they could appear. */
import { pino, type Logger } from 'pino';
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

export function createLogger(level: LogLevel, bindings: Record<string, unknown> = {}): Logger {
  return pino({
    level,
    base: { service: 'tollgate', pid: process.pid, ...bindings },
    redact: { paths: REDACT, censor: '[redacted]' },
  });
}
