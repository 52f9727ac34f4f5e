/**
 * The hot path: a user logs in once, then calls GET /api/protected again and again.
 * A 401 (session expired) makes it log in again on its next step.
 */
import type { SendOptions } from '../http-client.js';
import { ABORTED, OK, type FlowContext, type FlowResult } from './context.js';
import { backoffFor, login, type Tokens } from './session.js';

export class VerifyUser {
  /** GET /api/protected with the current token, encoded once per token. */
  private request: SendOptions | undefined;

  constructor(
    private readonly ctx: FlowContext,
    private tokens?: Tokens,
  ) {}

  get loggedIn(): boolean {
    return this.tokens !== undefined;
  }

  /** The session's tokens (to hand a prepared session over to another client). */
  get session(): Tokens | undefined {
    return this.tokens;
  }

  /** Logs in if needed; returns a failure to back off from, or undefined when ready. */
  async ensureSession(): Promise<FlowResult | undefined> {
    if (this.tokens) return undefined;
    const session = await login(this.ctx);
    if ('failure' in session) return session.failure;
    this.tokens = session.tokens;
    this.request = undefined;
    return undefined;
  }

  /** One verify request (`intendedMs`: open model's scheduled time). */
  async verifyOnce(intendedMs?: number): Promise<FlowResult> {
    const tokens = this.tokens;
    if (!tokens) return { ok: false, aborted: false, backoffMs: 0 };
    if (this.request === undefined) {
      const spec = { method: 'GET', path: '/api/protected', token: tokens.access } as const;
      this.request = { ...spec, prepared: this.ctx.client.prepare(spec) };
    }
    const res = await this.ctx.client.send('verify', this.request, intendedMs);
    if (res.aborted) return ABORTED;
    if (res.status === 200) return OK;
    if (res.status === 401) {
      this.tokens = undefined;
      this.request = undefined;
    }
    return { ok: false, aborted: false, backoffMs: backoffFor(res) };
  }

  /** Closed-model step: (re)login when needed, then one verify. */
  async step(): Promise<FlowResult> {
    if (this.tokens === undefined) {
      const failure = await this.ensureSession();
      if (failure) return failure;
    }
    if (this.ctx.thinks) await this.ctx.think();
    return this.verifyOnce();
  }
}
