/** The minimal pino-like logger the pool accepts. Never give it secrets. */
export interface PoolLogger {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  debug(obj: object | string, msg?: string): void;
}

const noop = (): void => undefined;
export const silentLogger: PoolLogger = { info: noop, warn: noop, error: noop, debug: noop };

/** A loggable description of an error: class, message and code, never the whole object. */
export function describeError(err: unknown): { name: string; message: string; code?: string } {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return {
      name: err.constructor.name,
      message: err.message,
      ...(typeof code === 'string' ? { code } : {}),
    };
  }
  return { name: typeof err, message: String(err) };
}
