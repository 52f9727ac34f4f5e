/**
 * Error categories. A response with an unexpected status is `<endpoint>_<status>`
 * (`login_401`, `verify_503`); no response at all is `<endpoint>_0`, detailed by its
 * transport cause (`conn_reset`, `conn_refused`, `timeout`, `socket_error`). A 200 on a
 * logged-out token is `stale_accept`.
 */
import { EXPECTED_STATUS, type EndpointName } from './types.js';

export const STALE_ACCEPT = 'stale_accept';
export const TRANSPORT_CATEGORIES = ['conn_reset', 'conn_refused', 'timeout', 'socket_error'] as const;
export type TransportCategory = (typeof TRANSPORT_CATEGORIES)[number];

const TIMEOUT_CODES = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'ETIMEDOUT',
  'TimeoutError',
]);
const RESET_CODES = new Set(['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_CLOSED']);

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; name?: unknown; cause?: unknown };
  if (typeof e.code === 'string') return e.code;
  if (e.cause !== undefined) {
    const inner = errorCode(e.cause);
    if (inner) return inner;
  }
  return typeof e.name === 'string' ? e.name : undefined;
}

/** Maps a thrown transport error to its category. */
export function transportCategory(err: unknown): TransportCategory {
  const code = errorCode(err);
  if (code === undefined) return 'socket_error';
  if (TIMEOUT_CODES.has(code)) return 'timeout';
  if (RESET_CODES.has(code)) return 'conn_reset';
  if (code === 'ECONNREFUSED') return 'conn_refused';
  return 'socket_error';
}

export interface Classification {
  ok: boolean;
  /** Error categories to count (empty when ok). */
  categories: string[];
}

/** Classifies one exchange of `endpoint` that ended with `status` (0 = no response). */
export function classify(endpoint: EndpointName, status: number, transport?: string): Classification {
  if (status === EXPECTED_STATUS[endpoint]) return { ok: true, categories: [] };
  if (endpoint === 'revoked_check' && status === 200) {
    return { ok: false, categories: [STALE_ACCEPT] };
  }
  const categories = [`${endpoint}_${status}`];
  if (status === 0) categories.push(transport ?? 'socket_error');
  return { ok: false, categories };
}
