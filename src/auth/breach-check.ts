/**
 * Is a password known from a data breach? Asked of a Have-I-Been-Pwned "range" API with
 * k-anonymity: only the first 5 hex characters of the password's SHA-1 leave the
 * process; the API answers every suffix it knows under that prefix (`SUFFIX:COUNT`
 * lines, padded with `COUNT` 0 lines when `Add-Padding: true` is sent, so the answer's
 * size tells an observer nothing either) and the suffix is compared here.
 *
 * Every call is bounded by one deadline (connect, headers and body). Any failure throws
 * `BreachCheckError` with a reason; whether that refuses or accepts the password is the
 * caller's decision (the password policy fails open).
 */
import { createHash } from 'node:crypto';
import { Pool } from 'undici';
import { VERSION } from '../version.js';

/** Why a check could not answer (a metrics label). */
export type BreachCheckFailure = 'timeout' | 'status' | 'network' | 'bad_response';

export class BreachCheckError extends Error {
  constructor(
    readonly reason: BreachCheckFailure,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'BreachCheckError';
  }
}

export interface BreachChecker {
  /** True when the range API lists the password with a count above 0. */
  isBreached(password: string): Promise<boolean>;
  close(): Promise<void>;
}

export interface RangeApiOptions {
  /** Base URL ending in `/`; the prefix is appended (`https://api.pwnedpasswords.com/range/`). */
  url: string;
  timeoutMs: number;
}

/** A padded answer is ~1,000 lines of 40 bytes; anything far larger is not the range API. */
const MAX_BODY_BYTES = 1024 * 1024;

/** Upper-case hex SHA-1 of the UTF-8 bytes, split where the API splits it. */
export function rangeKey(password: string): { prefix: string; suffix: string } {
  const hex = createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();
  return { prefix: hex.slice(0, 5), suffix: hex.slice(5) };
}

/** Does this range answer list `suffix` with a count above 0? Throws on a malformed answer. */
export function rangeListsSuffix(body: string, suffix: string): boolean {
  let found = false;
  for (const raw of body.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const m = /^([0-9A-Fa-f]{35}):(\d+)$/.exec(line);
    if (!m) throw new BreachCheckError('bad_response', 'the range API answered a line it should not');
    if (m[1]!.toUpperCase() === suffix && Number(m[2]) > 0) found = true;
  }
  return found;
}

export function rangeApiChecker(options: RangeApiOptions): BreachChecker {
  const base = new URL(options.url);
  const { timeoutMs } = options;
  const pool = new Pool(base.origin, {
    connections: 4,
    connect: { timeout: timeoutMs },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    keepAliveTimeout: 10_000,
  });

  async function fetchRange(prefix: string, signal: AbortSignal): Promise<string> {
    const res = await pool.request({
      method: 'GET',
      path: `${base.pathname}${prefix}`,
      headers: { 'add-padding': 'true', 'user-agent': `tollgate/${VERSION}` },
      signal,
    });
    if (res.statusCode !== 200) {
      await res.body.dump().catch(() => undefined);
      throw new BreachCheckError('status', `the range API answered HTTP ${res.statusCode}`);
    }
    let size = 0;
    const chunks: Buffer[] = [];
    for await (const chunk of res.body) {
      const buf = chunk as Buffer;
      size += buf.length;
      if (size > MAX_BODY_BYTES) {
        res.body.destroy();
        throw new BreachCheckError('bad_response', 'the range API answer is too large');
      }
      chunks.push(buf);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  return {
    async isBreached(password: string): Promise<boolean> {
      const { prefix, suffix } = rangeKey(password);
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), timeoutMs);
      try {
        return rangeListsSuffix(await fetchRange(prefix, controller.signal), suffix);
      } catch (err) {
        if (err instanceof BreachCheckError) throw err;
        if (controller.signal.aborted || isTimeout(err)) {
          throw new BreachCheckError('timeout', `the range API did not answer within ${timeoutMs} ms`, {
            cause: err,
          });
        }
        throw new BreachCheckError('network', 'the range API could not be reached', { cause: err });
      } finally {
        clearTimeout(timer);
      }
    },
    async close(): Promise<void> {
      // Bounded: a connection stuck mid-answer is destroyed instead of awaited.
      const timer = setTimeout(() => void pool.destroy().catch(() => undefined), timeoutMs);
      try {
        await pool.close();
      } catch {
        /* destroyed meanwhile */
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

function isTimeout(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return (
    code === 'UND_ERR_CONNECT_TIMEOUT' ||
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT'
  );
}
