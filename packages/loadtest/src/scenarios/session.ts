/** Login and the backoff a failed login asks for. */
import type { HttpResult } from '../types.js';
import type { FlowContext, FlowResult } from './context.js';

export interface Tokens {
  access: string;
  refresh: string;
}

/** Longest wait a Retry-After may impose on one user. */
export const MAX_BACKOFF_MS = 5_000;
/** Pause after an error without Retry-After, so a failing target is not hammered in a tight loop. */
export const ERROR_BACKOFF_MS = 100;

export function tokensOf(body: unknown): Tokens | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as { access_token?: unknown; refresh_token?: unknown };
  if (typeof b.access_token !== 'string' || typeof b.refresh_token !== 'string') return undefined;
  return { access: b.access_token, refresh: b.refresh_token };
}

/** Backoff after a failed exchange: Retry-After (capped) or a short pause. */
export function backoffFor(res: HttpResult): number {
  if (res.retryAfterS !== undefined) return Math.min(MAX_BACKOFF_MS, res.retryAfterS * 1_000);
  return ERROR_BACKOFF_MS;
}

export type LoginOutcome = { tokens: Tokens } | { failure: FlowResult };

export async function login(ctx: FlowContext, intendedMs?: number): Promise<LoginOutcome> {
  const res = await ctx.client.send(
    'login',
    {
      method: 'POST',
      path: '/auth/login',
      body: { email: ctx.email, password: ctx.password },
      parseBody: true,
    },
    intendedMs,
  );
  if (res.aborted) return { failure: { ok: false, aborted: true, backoffMs: 0 } };
  const tokens = res.status === 200 ? tokensOf(res.body) : undefined;
  if (tokens) return { tokens };
  return { failure: { ok: false, aborted: false, backoffMs: backoffFor(res) } };
}

export async function logout(ctx: FlowContext, access: string): Promise<HttpResult> {
  return ctx.client.send('logout', { method: 'POST', path: '/auth/logout', token: access });
}
