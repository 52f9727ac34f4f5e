/** HTTP/1.1 request bytes, built once and written as one buffer. */

export interface RequestSpec {
  method: 'GET' | 'POST';
  path: string;
  /** Bearer token for `Authorization`. */
  token?: string;
  /** JSON body. */
  body?: unknown;
}

/** `host` is the Host header value (`127.0.0.1:8000`). */
export function encodeRequest(host: string, spec: RequestSpec): Buffer {
  let head = `${spec.method} ${spec.path} HTTP/1.1\r\nhost: ${host}\r\n`;
  if (spec.token !== undefined) head += `authorization: Bearer ${spec.token}\r\n`;
  if (spec.body === undefined) {
    // A POST without a body still says so (servers may wait for one otherwise).
    return Buffer.from(spec.method === 'POST' ? `${head}content-length: 0\r\n\r\n` : `${head}\r\n`, 'latin1');
  }
  const body = Buffer.from(JSON.stringify(spec.body), 'utf8');
  const headBuf = Buffer.from(
    `${head}content-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`,
    'latin1',
  );
  return Buffer.concat([headBuf, body]);
}
