/**
 * How guessable a password is, by zxcvbn (`@zxcvbn-ts/core` with the common-password,
 * common-word and name dictionaries of `@zxcvbn-ts/language-common` and `-en`), offline.
 *
 * zxcvbn is synchronous JavaScript and costly: tens of milliseconds of a core for a
 * 32-character password and hundreds for 128 characters (bench/password-strength.ts).
 * On the event loop one registration would stall every request of the process, so the
 * estimate runs in one worker thread per process, started on the first check (the
 * dictionaries take ~50 MB and most of a second to load: a process that never sees a
 * new password never pays for them). Each check is bounded three ways:
 * - only the first `SCORED_LENGTH` code points are scored (a password whose beginning
 *   is guessable is refused, whatever follows);
 * - the l33t matcher tries at most `L33T_MAX_SUBSTITUTIONS` spellings (the library's
 *   default of 100 costs 5-10x more on digits and symbols, and changed no verdict at
 *   score 3 in our measurements: docs/benchmarks.md);
 * - one check at a time, a bounded queue and bounded waits (503 `overloaded` beyond
 *   them, as for password hashing); a check that overruns its time ends the thread,
 *   which the next check starts again.
 */
import { Worker } from 'node:worker_threads';
import { InternalError, OverloadedError } from '../errors.js';
import type { PasswordStrengthScore } from '../config/schema.js';
import { Admission } from './admission.js';

/** Code points of a password that are scored. */
export const SCORED_LENGTH = 64;
export const L33T_MAX_SUBSTITUTIONS = 10;

export interface StrengthVerdict {
  score: PasswordStrengthScore;
  /** zxcvbn's main finding, in English for the user; null when it has none. */
  warning: string | null;
  suggestions: string[];
}

export interface StrengthEstimatorOptions {
  /** Longest a check may wait for the thread to load the dictionaries. Default 15 s. */
  startTimeoutMs?: number;
  /** Longest a check may run once the thread is ready. Default 2 s. */
  checkTimeoutMs?: number;
  /** Checks waiting for the thread, and for how long. Default 32, 5 s. */
  maxQueue?: number;
  maxWaitMs?: number;
}

/** Our wording where zxcvbn's would puzzle a person registering. */
const WARNINGS = {
  userInputs: 'It contains your email address or a part of it.',
};

/**
 * The thread's code: plain JavaScript, so that it runs the same from `src/` (under a
 * TypeScript loader, which worker threads do not inherit) and from `dist/`. It imports
 * the dictionaries by the absolute URLs it is given and answers one message at a time.
 */
const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
Promise.all(workerData.modules.map((url) => import(url))).then(([core, common, en]) => {
  const zxcvbn = new core.ZxcvbnFactory({
    translations: { ...en.translations, warnings: { ...en.translations.warnings, ...workerData.warnings } },
    graphs: common.adjacencyGraphs,
    dictionary: { ...common.dictionary, ...en.dictionary },
    l33tMaxSubstitutions: workerData.l33tMaxSubstitutions,
  });
  parentPort.on('message', ({ id, password, userInputs }) => {
    try {
      const r = zxcvbn.check(password, userInputs);
      parentPort.postMessage({ id, score: r.score, warning: r.feedback.warning, suggestions: r.feedback.suggestions });
    } catch (err) {
      parentPort.postMessage({ id, error: String((err && err.message) || err) });
    }
  });
  parentPort.postMessage({ ready: true });
});
`;

const MODULES = ['@zxcvbn-ts/core', '@zxcvbn-ts/language-common', '@zxcvbn-ts/language-en'];

interface Reply {
  id?: number;
  ready?: boolean;
  score?: PasswordStrengthScore;
  warning?: string | null;
  suggestions?: string[];
  error?: string;
}

interface Pending {
  resolve: (verdict: StrengthVerdict) => void;
  reject: (err: Error) => void;
}

/** The first `SCORED_LENGTH` code points (never half a surrogate pair). */
export function scoredPart(password: string): string {
  let out = '';
  let n = 0;
  for (const ch of password) {
    if (n++ === SCORED_LENGTH) break;
    out += ch;
  }
  return out;
}

export class StrengthEstimator {
  readonly #startTimeoutMs: number;
  readonly #checkTimeoutMs: number;
  readonly #admission: Admission;
  readonly #pending = new Map<number, Pending>();
  #worker: Worker | undefined;
  #ready = false;
  #nextId = 0;
  #closed = false;
  /** Threads started so far (a restart after a failure counts). */
  startedTotal = 0;

  constructor(options: StrengthEstimatorOptions = {}) {
    this.#startTimeoutMs = options.startTimeoutMs ?? 15_000;
    this.#checkTimeoutMs = options.checkTimeoutMs ?? 2_000;
    this.#admission = new Admission({
      concurrency: 1,
      maxQueue: options.maxQueue ?? 32,
      maxWaitMs: options.maxWaitMs ?? 5_000,
    });
  }

  /**
   * zxcvbn's verdict on the scored part of `password`, with `userInputs` (words of the
   * account, such as its email) counted as trivially guessable. Throws OverloadedError
   * when the checks are saturated or one overran, InternalError if the thread failed.
   */
  estimate(password: string, userInputs: readonly string[]): Promise<StrengthVerdict> {
    if (this.#closed) return Promise.reject(new InternalError('password strength estimator is closed'));
    return this.#admission.run(() => this.#send(scoredPart(password), userInputs));
  }

  #send(password: string, userInputs: readonly string[]): Promise<StrengthVerdict> {
    const worker = this.#thread();
    const id = this.#nextId++;
    const ms = this.#checkTimeoutMs + (this.#ready ? 0 : this.#startTimeoutMs);
    return new Promise<StrengthVerdict>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        // zxcvbn cannot be interrupted: end the thread; the next check starts another.
        void this.#stop(new OverloadedError());
        reject(new OverloadedError());
      }, ms);
      this.#pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
      worker.postMessage({ id, password, userInputs: [...userInputs] });
    });
  }

  #thread(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        modules: MODULES.map((m) => import.meta.resolve(m)),
        warnings: WARNINGS,
        l33tMaxSubstitutions: L33T_MAX_SUBSTITUTIONS,
      },
      // The dictionaries need ~50 MB; a runaway check must not take the process down.
      resourceLimits: { maxOldGenerationSizeMb: 256 },
      stdout: false,
      stderr: false,
    });
    worker.unref(); // an idle estimator never keeps the process alive
    worker.on('message', (reply: Reply) => this.#onReply(reply));
    worker.on('error', (err) => {
      if (this.#worker === worker) {
        void this.#stop(new InternalError('password strength check failed', { cause: err }));
      }
    });
    worker.on('exit', () => {
      if (this.#worker === worker) void this.#stop(new InternalError('password strength thread exited'));
    });
    this.#worker = worker;
    this.#ready = false;
    this.startedTotal++;
    return worker;
  }

  #onReply(reply: Reply): void {
    if (reply.ready) {
      this.#ready = true;
      return;
    }
    if (reply.id === undefined) return;
    const pending = this.#pending.get(reply.id);
    if (!pending) return; // answered after its timeout
    this.#pending.delete(reply.id);
    if (reply.error !== undefined || reply.score === undefined) {
      pending.reject(new InternalError(`password strength check failed: ${reply.error ?? 'no score'}`));
      return;
    }
    pending.resolve({
      score: reply.score,
      warning: reply.warning ?? null,
      suggestions: reply.suggestions ?? [],
    });
  }

  /** Ends the thread (if any) and fails every check waiting on it. */
  #stop(err: Error): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    this.#ready = false;
    for (const pending of this.#pending.values()) pending.reject(err);
    this.#pending.clear();
    return worker ? worker.terminate().then(() => undefined) : Promise.resolve();
  }

  /** Is the thread running (the dictionaries loaded or loading)? */
  get running(): boolean {
    return this.#worker !== undefined;
  }

  /** Ends the thread; later checks are refused. Idempotent. */
  close(): Promise<void> {
    this.#closed = true;
    return this.#stop(new InternalError('password strength estimator is closed'));
  }
}
