/**
 * One load generator: its own undici Pool, its own recorder, its share of the users (or
 * of the arrival rate). It runs the same way inline (tests) or inside a worker thread
 * (generator-worker.ts); all it knows of the outside is `emit`.
 */
import { nowMs, Sleeper } from './clock.js';
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
/** Attempts per session login before the run (429 / 503 / no answer are retried). */
const PREPARE_ATTEMPTS = 20;

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
  private readonly soft = new Sleeper();
  private hardStopped = false;
  private readonly clients = new Set<LoadClient>();
  /** `verify`: sessions logged in by prepare(), by user number. */
  private sessions: { n: number; tokens: Tokens }[] = [];
  private timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly setup: GeneratorSetup,
    private readonly emit: (msg: GeneratorMessage) => void,
  ) {}

  private client(connections: number, recorder: Recorder): LoadClient {
    const { run } = this.setup;
    const client = new LoadClient({ url: run.url, connections, timeoutMs: run.timeoutMs }, recorder);
    this.clients.add(client);
    return client;
  }

  /**
   * `verify`: logs in this generator's share of the sessions before the start, a few at
   * a time (its share of --setup-concurrency), waiting out each 429 / 503 for as long as
   * its Retry-After says, so setup never pushes the target into shedding.
   */
  async prepare(): Promise<void> {
    const { run, index, count } = this.setup;
    let failures = 0;
    if (run.scenario === 'verify') {
      // Preparation traffic is not part of the measurement: its own recorder, thrown away.
      const recorder = new Recorder(nowMs());
      const concurrency = Math.max(1, shareOf(run.setupConcurrency, index, count));
      const client = this.client(concurrency, recorder);
      const setupSleeper = new Sleeper();
      const rt = { ...this.runtime(client, recorder, nowMs()), soft: setupSleeper };
      const numbers: number[] = [];
      for (let n = index; n < run.users; n += count) numbers.push(n);
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < numbers.length && !this.hardStopped) {
          const n = numbers[next++]!;
          const user = new VerifyUser(flowContext(rt, n, false));
          for (let attempt = 1; !this.hardStopped; attempt++) {
            const failure = await user.ensureSession();
            if (!failure) break;
            if (attempt >= PREPARE_ATTEMPTS || failure.aborted) {
              failures++;
              break;
            }
            await setupSleeper.sleep(failure.backoffMs);
          }
          if (user.session) this.sessions.push({ n, tokens: user.session });
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      client.close();
      this.clients.delete(client);
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
      soft: this.soft,
      flows: { started: 0, completed: 0, failed: 0 },
      open: { scheduled: 0, started: 0, dropped: 0, late: 0 },
      activeUsers: 0,
    };
  }

  /** Runs the load from t0 until done; emits ticks every second and a final `done`. */
  async run(t0: number): Promise<void> {
    const { run, index } = this.setup;
    const recorder = new Recorder(t0);
    const client = this.client(connectionsFor(this.setup), recorder);
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
      const sessions = new Map(this.sessions.map((s) => [s.n, s.tokens]));
      if (run.model === 'closed') await runClosedModel(rt, sessions);
      else {
        const verifyUsers = this.sessions.map((s) => new VerifyUser(flowContext(rt, s.n, false), s.tokens));
        await runOpenModel(rt, { verifyUsers });
      }
    } finally {
      for (const t of this.timers) clearTimeout(t);
      this.timers = [];
      client.close();
      this.clients.delete(client);
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
    this.soft.stop();
  }

  /** Hard stop: cancels in-flight requests. */
  abort(): void {
    this.hardStopped = true;
    this.soft.stop();
    for (const client of this.clients) client.abort();
  }

  handle(msg: ControlMessage): void {
    if (msg.type === 'stop') this.stop();
    else if (msg.type === 'abort') this.abort();
  }
}
