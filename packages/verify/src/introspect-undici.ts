/**
 * The Node transport of `introspect` mode: a pool of keep-alive connections to tollgate
 * (undici), at most `connections` of them, each request bounded by the timeout.
 */
import { Pool, errors as undiciErrors } from 'undici';
import {
  MAX_ANSWER_BYTES,
  type IntrospectionAnswer,
  type IntrospectionOptions,
  type IntrospectionTransport,
} from './session-introspect.js';
import { withTimeout } from './timeout.js';

export function undiciTransport(options: IntrospectionOptions): IntrospectionTransport {
  const { endpoint, timeoutMs } = options;
  const path = `${endpoint.pathname}${endpoint.search}`;
  const pool = new Pool(endpoint.origin, {
    connections: options.connections,
    pipelining: 1,
    connect: { timeout: timeoutMs },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });

  return {
    async post(body, headers, signal): Promise<IntrospectionAnswer> {
      const { statusCode, body: answer } = await pool.request({
        path,
        method: 'POST',
        headers,
        body,
        signal,
      });
      if (statusCode !== 200) {
        await answer.dump();
        return { statusCode, json: undefined };
      }
      let size = 0;
      const chunks: Buffer[] = [];
      for await (const chunk of answer as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > MAX_ANSWER_BYTES) {
          answer.destroy();
          throw new Error('the introspection answer is too large');
        }
        chunks.push(chunk);
      }
      return { statusCode, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown };
    },
    isStaleConnection(err: unknown): boolean {
      if (err instanceof undiciErrors.SocketError) return true;
      const code = (err as { code?: unknown } | null)?.code;
      return code === 'ECONNRESET' || code === 'EPIPE';
    },
    async close(ms: number): Promise<void> {
      // Requests in flight end by their own deadline; past it, connections are cut.
      await withTimeout(pool.close(), ms, () => new Error('close timed out')).catch(() => pool.destroy());
    },
  };
}
