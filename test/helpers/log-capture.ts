/** A pino logger (with the service's redaction) whose JSON lines a test can read. */
import { pino, type Level, type Logger } from 'pino';
import { REDACT } from '../../src/logger.js';

export interface CapturedLog {
  logger: Logger;
  /** Raw JSON lines, in order. */
  readonly lines: string[];
  /** Parsed lines. */
  entries(): Array<Record<string, unknown>>;
}

export function captureLogs(level: Level = 'info'): CapturedLog {
  const lines: string[] = [];
  const logger = pino(
    { level, redact: { paths: REDACT, censor: '[redacted]' } },
    { write: (line: string) => void lines.push(line) },
  );
  return {
    logger,
    lines,
    entries: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
