/**
 * The edge transport of `introspect` mode: the platform's global `fetch` (Web APIs only,
 * no Node modules), for Next.js middleware, Vercel, Cloudflare Workers, Deno and Bun.
 * Connection reuse is the platform's; `connections` does not apply.
 */
import {
  MAX_ANSWER_BYTES,
  type IntrospectionAnswer,
  type IntrospectionOptions,
  type IntrospectionTransport,
} from './session-introspect.js';

/** The body as text, refusing more than `max` bytes. */
async function readLimited(res: Response, max: number): Promise<string> {
  if (Number(res.headers.get('content-length') ?? '0') > max) {
    await res.body?.cancel();
    throw new Error('the introspection answer is too large');
  }
  if (!res.body) return '';
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let size = 0;
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      throw new Error('the introspection answer is too large');
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}

export function fetchTransport(options: IntrospectionOptions): IntrospectionTransport {
  const { endpoint } = options;
  return {
    async post(body, headers, signal): Promise<IntrospectionAnswer> {
      const res = await fetch(endpoint, { method: 'POST', headers, body, signal, redirect: 'manual' });
      if (res.status !== 200) {
        await res.body?.cancel();
        return { statusCode: res.status, json: undefined };
      }
      return { statusCode: 200, json: JSON.parse(await readLimited(res, MAX_ANSWER_BYTES)) as unknown };
    },
    // fetch hides the connection; a failed request is not resent.
    isStaleConnection: () => false,
    async close(): Promise<void> {},
  };
}
