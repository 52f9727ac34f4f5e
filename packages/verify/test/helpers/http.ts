/**
 * A bounded HTTP GET over node:http that can send a header twice (`fetch` would join
 * duplicated Authorization headers into one), for exercising the adapters over real HTTP.
 */
import { request } from 'node:http';

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  elapsedMs: number;
}

export function get(
  url: string,
  headers: Record<string, string | string[]> = {},
  timeoutMs = 10_000,
): Promise<HttpAnswer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', timeout: timeoutMs, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          /* not JSON */
        }
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body,
          elapsedMs: performance.now() - started,
        });
      });
      res.on('error', reject);
    });
    for (const [name, value] of Object.entries(headers)) req.setHeader(name, value);
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** `Authorization: Bearer <token>`. */
export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}
