/**
 * One load generator: its own undici Pool, its own recorder, its share of the users (or
 * of the arrival rate). It runs the same way inline (tests) or inside a worker thread
 * (generator-worker.ts); all it knows of the outside is `emit`.
 */
import { setMaxListeners } from 'node:events';
import { nowMs } from './clock.js';
import { runClosedModel } from './closed-model.js';
import { LoadClient } from './http-client.js';
import type { ControlMessage, GeneratorMessage, GeneratorSetup } from './messages.js';
import { runOpenModel } from './open-model.js';
import { Recorder } from './recorder.js';
import { flowContext, shareOf, type GeneratorRuntime } from './runtime.js';
import { VerifyUser } from './scenarios/verify.js';
import type { Tokens } from './scenarios/session.js';
import type { RunConfig } from './types.js';

const TICK_MS = 1_000;
const PREPARE_CONCURRENCY = 16;

/** Deadlines of a run that starts at t0. */
export function deadlines(run: RunConfig, t0: number): { softEndMs: number; hardEndMs: number } {
  const cap = t0 + run.maxDurationS * 1_000;
  const softEndMs = run.durationS !== undefined ? Math.min(cap, t0 + run.durationS * 1_000) : cap;
  return { softEndMs, hardEndMs: Math.min(cap, softEndMs + run.graceMs) };
}

/** undici connections for this generator: one per user / in-flight slot unless capped. */
export function connectionsFor(setup: GeneratorSetup): number {
  const { run, index, count } = setup;
  const natural =
    run.model === 'closed' ? shareOf(run.users, index, count) : shareOf(run.maxInFlight, index, count);
  return Math.max(1, run.connections > 0 ? Math.min(run.connections, natural) : natural);
}

export class Generator {
  private readonly softCtl = new AbortController();
  private readonly hardCtl = new AbortController();
  /** Open-model `verify`: sessions logged in by prepare(), by user number. */
  private sessions: { n: number; tokens: Tokens }[] = [];
  private timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly setup: GeneratorSetup,
    private readonly emit: (msg: GeneratorMessage) => void,
  ) {
    // Every sleeping user and every in-flight request listens on these: no listener cap.
    setMaxListeners(0, this.softCtl.signal, this.hardCtl.signal);
  }

  /** Open-model `verify`: logs in this generator's share of the sessions before the start. */
  async prepare(): Promise<void> {
    const { run, index, count } = this.setup;
    let failures = 0;
    if (run.model === 'open' && run.scenario === 'verify') {
      // Preparation traffic is not part of the measurement: its own recorder, thrown away.
      const recorder = new Recorder(nowMs());
      const client = new LoadClient(
        { url: run.url, connections: PREPARE_CONCURRENCY, timeoutMs: run.timeoutMs },
        recorder,
        this.hardCtl.signal,
      );
      const rt = this.runtime(client, recorder, nowMs());
      const numbers: number[] = [];
      for (let n = index; n < run.users; n += count) numbers.push(n);
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < numbers.length && !this.hardCtl.signal.aborted) {
          const n = numbers[next++]!;
          const user = new VerifyUser(flowContext(rt, n, false));
          if (await user.ensureSession()) failures++;
          else if (user.session) this.sessions.push({ n, tokens: user.session });
        }
      };
      await Promise.all(Array.from({ length: PREPARE_CONCURRENCY }, worker));
      await client.close();
    }
    this.emit({ type: 'ready', index, sessions: this.sessions.length, sessionFailures: failures });
  }

  private runtime(client: LoadClient, recorder: Recorder, t0: number): GeneratorRuntime {
    const { softEndMs, hardEndMs } = deadlines(this.setup.run, t0);
    return {
      run: this.setup.run,
      index: this.setup.index,
      count: this.setup.count,
      t0,
      softEndMs,
      hardEndMs,
      client,
      recorder,
      soft: this.softCtl.signal,
      hard: this.hardCtl.signal,
      flows: { started: 0, completed: 0, failed: 0 },
      open: { scheduled: 0, started: 0, dropped: 0, late: 0 },
      activeUsers: 0,
    };
  }

  /** Runs the load from t0 until done; emits ticks every second and a final `done`. */
  async run(t0: number): Promise<void> {
    const { run, index } = this.setup;
    const recorder = new Recorder(t0);
    const client = new LoadClient(
      { url: run.url, connections: connectionsFor(this.setup), timeoutMs: run.timeoutMs },
      recorder,
      this.hardCtl.signal,
    );
    const rt = this.runtime(client, recorder, t0);
    const at = (ms: number, fn: () => void): void => {
      this.timers.push(setTimeout(fn, Math.max(0, ms - nowMs())));
    };
    at(rt.softEndMs, () => this.stop());
    at(rt.hardEndMs, () => this.abort());
    const tick = setInterval(() => {
      const watermark = recorder.secondOf(nowMs());
      this.emit({
        type: 'tick',
        index,
        seconds: recorder.flush(watermark),
        watermark,
        requests: recorder.requests,
        failed: recorder.failed,
        errors: { ...recorder.errors },
        activeUsers: rt.activeUsers,
        inFlight: client.inFlight,
      });
    }, TICK_MS);
    this.timers.push(tick);
    try {
      if (run.model === 'closed') await runClosedModel(rt);
      else {
        const verifyUsers = this.sessions.map((s) => new VerifyUser(flowContext(rt, s.n, false), s.tokens));
        await runOpenModel(rt, { verifyUsers });
      }
    } finally {
      for (const t of this.timers) clearTimeout(t);
      this.timers = [];
      // Closing thousands of sockets must not hold the report back: bounded.
      await Promise.race([client.close().catch(() => undefined), new Promise((r) => setTimeout(r, 2_000))]);
    }
    this.emit({
      type: 'done',
      index,
      seconds: recorder.flush(),
      endpoints: recorder.endpoints(),
      errors: { ...recorder.errors },
      flows: rt.flows,
      open: rt.open,
      aborted: client.aborted,
    });
  }

  /** Soft stop: no new flows; flows in progress finish (until the hard end). */
  stop(): void {
    this.softCtl.abort();
  }

  /** Hard stop: cancels in-flight requests. */
  abort(): void {
    this.softCtl.abort();
    this.hardCtl.abort();
  }

  handle(msg: ControlMessage): void {
    if (msg.type === 'stop') this.stop();
    else if (msg.type === 'abort') this.abort();
  }
}
