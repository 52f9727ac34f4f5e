/** Login then logout: the password-hashing path. */
import { ABORTED, type FlowContext, type FlowResult } from './context.js';
import { backoffFor, login, logout } from './session.js';

export async function runLoginFlow(ctx: FlowContext, intendedMs?: number): Promise<FlowResult> {
  const session = await login(ctx, intendedMs);
  if ('failure' in session) return session.failure;
  await ctx.think();
  const out = await logout(ctx, session.tokens.access);
  if (out.aborted) return ABORTED;
  if (out.status !== 200) return { ok: false, aborted: false, backoffMs: backoffFor(out) };
  return { ok: true, aborted: false, backoffMs: 0 };
}
