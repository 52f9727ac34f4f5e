/** Sends raw bytes over one TCP connection and returns everything the server wrote (bounded). */
import { connect } from 'node:net';
import { within } from './wait.js';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export async function rawRequest(url: string, bytes: string, timeoutMs = 5000): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  let received = '';
  socket.setEncoding('latin1').on('data', (d: string) => (received += d));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => undefined);
  socket.write(bytes, 'latin1');
  try {
    await within(closed, timeoutMs, 'the server to answer and close');
  } finally {
    socket.destroy();
  }
  const end = received.indexOf('\r\n\r\n');
  const [statusLine, ...lines] = received.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
  }
  return { status: Number(statusLine?.split(' ')[1]), headers, body: received.slice(end + 4) };
}
