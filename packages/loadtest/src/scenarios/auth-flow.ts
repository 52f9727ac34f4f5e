/**
 * The reference Locust scenario, completed: login -> GET /api/protected x N -> sometimes
 * refresh (then use the new access token) -> logout -> the logged-out token must now be
 * refused (401); a 200 there is a `stale_accept`.
 */
import { ABORTED, type FlowContext, type FlowResult } from './context.js';
import { backoffFor, login, logout, tokensOf } from './session.js';

export async function runAuthFlow(ctx: FlowContext, intendedMs?: number): Promise<FlowResult> {
  const session = await login(ctx, intendedMs);
  if ('failure' in session) return session.failure;
  let { access, refresh } = session.tokens;
  let ok = true;
  let backoffMs = 0;

  for (let i = 0; i < ctx.verifiesPerFlow; i++) {
    await ctx.think();
    const res = await ctx.client.send('verify', { method: 'GET', path: '/api/protected', token: access });
    if (res.aborted) return ABORTED;
    if (res.status !== 200) {
      ok = false;
      backoffMs = Math.max(backoffMs, backoffFor(res));
    }
  }

  if (ctx.refreshProbability > 0 && ctx.random() < ctx.refreshProbability) {
    await ctx.think();
    const res = await ctx.client.send('refresh', {
      method: 'POST',
      path: '/auth/refresh',
      body: { refresh_token: refresh },
      parseBody: true,
    });
    if (res.aborted) return ABORTED;
    const rotated = res.status === 200 ? tokensOf(res.body) : undefined;
    if (rotated) ({ access, refresh } = rotated);
    else {
      ok = false;
      backoffMs = Math.max(backoffMs, backoffFor(res));
    }
  }

  await ctx.think();
  const out = await logout(ctx, access);
  if (out.aborted) return ABORTED;
  if (out.status !== 200) {
    // The session may still be alive: checking its token would prove nothing.
    return { ok: false, aborted: false, backoffMs: Math.max(backoffMs, backoffFor(out)) };
  }

  await ctx.think();
  const check = await ctx.client.send('revoked_check', {
    method: 'GET',
    path: '/api/protected',
    token: access,
  });
  if (check.aborted) return ABORTED;
  if (check.status !== 401) ok = false;
  return { ok, aborted: false, backoffMs };
}
