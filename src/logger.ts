/**
 * The process logger (pino): JSON lines with ISO times for machines, or a readable
 * line per event on a terminal (`LOG_FORMAT=auto`, the default, picks by whether stdout
 * is a TTY). Secrets are redacted wherever they could appear, and request URLs are
 * logged without their query values (a token in `?access_token=` must not reach a log).
 */
import {
  destination as fileDestination,
  pino,
  stdSerializers,
  stdTimeFunctions,
  type DestinationStream,
  type Logger,
} from 'pino';
import { prettyFactory } from 'pino-pretty';
import type { LogFormat, LogLevel } from './config/schema.js';

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

export interface LogSettings {
  level: LogLevel;
  format: LogFormat;
}

/** `auto` is pretty when stdout is a terminal. */
export function resolveFormat(format: LogFormat): 'pretty' | 'json' {
  if (format !== 'auto') return format;
  return process.stdout.isTTY ? 'pretty' : 'json';
}

/**
 * The terminal format: one line per event, its fields inline after the message (the
 * start-up summary and errors included, a stack as one escaped string), colored when
 * `colorize` (the default). pino-pretty's own stream would print errors over many lines.
 */
export function prettyDestination(
  options: { destination?: NodeJS.WritableStream; colorize?: boolean } = {},
): DestinationStream {
  const format = prettyFactory({
    colorize: options.colorize ?? true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'service,hostname',
    singleLine: true,
    errorLikeObjectKeys: [],
  });
  // Synchronous to stdout, as the JSON format is (see below).
  const out = options.destination ?? fileDestination({ dest: 1, sync: true });
  return {
    write(line: string) {
      out.write(format(line));
    },
  };
}

export function createLogger(
  settings: LogSettings,
  bindings: Record<string, unknown> = {},
  destination?: DestinationStream,
): Logger {
  const { level } = settings;
  const out =
    destination ??
    (resolveFormat(settings.format) === 'pretty'
      ? prettyDestination()
      : // Synchronous, so a write to a closed stdout fails at once and pino stops logging,
        // instead of an exit-time flush retrying the broken pipe forever.
        fileDestination({ dest: 1, sync: true }));
  return pino(
    {
      level,
      base: { service: 'tollgate', pid: process.pid, ...bindings },
      timestamp: stdTimeFunctions.isoTime,
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
    out,
  );
}

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/**
 * A request's logger that costs nothing until a line at an enabled level is logged.
 * pino's `child()` serialises its bindings when it is made, and Fastify makes one per
 * request (for the request id); on the verify path at `warn` nothing is ever logged,
 * so that work was wasted on every request. This child makes the real one on first use.
 */
class LazyChild {
  readonly #parent: Logger;
  readonly #bindings: Record<string, unknown>;
  #real: Logger | undefined;

  constructor(parent: Logger, bindings: Record<string, unknown>) {
    this.#parent = parent;
    this.#bindings = bindings;
  }

  #logger(): Logger {
    return (this.#real ??= this.#parent.child(this.#bindings));
  }

  get level(): string {
    return this.#real?.level ?? this.#parent.level;
  }

  set level(level: string) {
    this.#logger().level = level;
  }

  isLevelEnabled(level: string): boolean {
    return (this.#real ?? this.#parent).isLevelEnabled(level);
  }

  child(bindings: Record<string, unknown>, options?: Record<string, unknown>): Logger {
    return this.#logger().child(bindings, options);
  }

  silent(): void {}

  #log(level: Level, args: unknown[]): void {
    if (!this.isLevelEnabled(level)) return;
    const logger = this.#logger();
    Reflect.apply(logger[level], logger, args);
  }

  fatal(...args: unknown[]): void {
    this.#log('fatal', args);
  }
  error(...args: unknown[]): void {
    this.#log('error', args);
  }
  warn(...args: unknown[]): void {
    this.#log('warn', args);
  }
  info(...args: unknown[]): void {
    this.#log('info', args);
  }
  debug(...args: unknown[]): void {
    this.#log('debug', args);
  }
  trace(...args: unknown[]): void {
    this.#log('trace', args);
  }
}

/**
 * Fastify's `childLoggerFactory`: a lazy child (above) unless the route sets its own
 * level or serializers, which need a real child at once.
 */
export function lazyChildLoggerFactory(
  logger: Logger,
  bindings: Record<string, unknown>,
  options: { level?: string; serializers?: unknown },
): Logger {
  if (options.level || options.serializers) return logger.child(bindings, options as never);
  return new LazyChild(logger, bindings) as unknown as Logger;
}
