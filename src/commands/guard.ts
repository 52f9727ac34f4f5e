/** One way every CLI command fails: a clear line on stderr and an exit code (2 for configuration). */
import { ConfigError } from '../errors.js';

export function fail(err: unknown): never {
  if (err instanceof ConfigError) {
    console.error(
      `tollgate: configuration error:${err.issues.length > 1 ? '\n  ' : ' '}${err.message.replace(/\n/g, '\n  ')}`,
    );
    process.exit(2);
  }
  console.error(`tollgate: ${(err as Error).message ?? String(err)}`);
  process.exit(1);
}

export type Guard = <A extends unknown[]>(
  action: (...args: A) => Promise<void>,
) => (...args: A) => Promise<void>;

/** Wraps a command's action so every failure ends in one clear message and an exit code. */
export const guarded: Guard =
  (action) =>
  async (...args) => {
    try {
      await action(...args);
    } catch (err) {
      fail(err);
    }
  };
