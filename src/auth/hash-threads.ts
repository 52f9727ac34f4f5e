/**
 * argon2id on dedicated worker threads, optionally at the lowest OS priority (nice 19).
 *
 * A hash is ~10-15 ms of a core. Run in libuv's pool (the library's async calls) at the
 * same priority as the event loop, a login flood takes the event loop's CPU: every
 * request, including the cheap token verifications, queues behind the hashes. Here each
 * thread runs the library's synchronous calls, and on Linux lowers its own priority
 * (`setpriority` applies to the calling thread there: the thread id comes from
 * /proc/thread-self). The event loop then gets the CPU whenever it has work, and the
 * hashes take the rest: logins wait a little longer under a flood, verifications not.
 *
 * The admission (admission.ts) decides how many hashes run at once; a job handed here
 * goes to the thread with the fewest jobs, so with as many threads as slots each runs
 * at once. A thread that dies fails its jobs (InternalError) and is replaced on next use.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { InternalError } from '../errors.js';

/** The thread's code: CommonJS (an eval worker), the library's path in workerData. */
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const argon2 = require(workerData.argon2);
const lower = () => {
  try {
    const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
    require('node:os').setPriority(tid, 19);
    parentPort.postMessage({ niced: true });
  } catch {}
};
if (workerData.lowPriority) lower();
parentPort.on('message', (job) => {
  if (job.op === 'lower') return lower();
  try {
    const result = job.op === 'hash'
      ? argon2.hashSync(job.password, job.options)
      : argon2.verifySync(job.stored, job.password);
    parentPort.postMessage({ id: job.id, result });
  } catch (err) {
    parentPort.postMessage({ id: job.id, error: String((err && err.message) || err) });
  }
});
`;

const ARGON2_PATH = createRequire(import.meta.url).resolve('@node-rs/argon2');

type Job =
  { op: 'hash'; password: string; options: object } | { op: 'verify'; stored: string; password: string };

interface Pending {
  resolve(value: string | boolean): void;
  reject(err: Error): void;
}

interface Thread {
  worker: Worker;
  pending: Map<number, Pending>;
}

export interface HashThreadsOptions {
  threads: number;
  /**
   * Lower each thread to nice 19 once `lowerPriority` is called (Linux; elsewhere the
   * threads keep the normal priority). Nice values weigh threads against the others of the
   * same scheduling group: with autogroups, the process's session.
   */
  lowPriority: boolean;
}

export class HashThreads {
  readonly #options: HashThreadsOptions;
  readonly #threads: Array<Thread | undefined>;
  #nextId = 0;
  #closed = false;
  /** Whether threads run at the lowest priority now (after `lowerPriority`). */
  #lowered = false;
  /** Threads that lowered their priority (for tests and the startup log). */
  nicedThreads = 0;

  constructor(options: HashThreadsOptions) {
    this.#options = options;
    this.#threads = Array.from({ length: Math.max(1, options.threads) }, () => undefined);
  }

  /**
   * From now on the threads run at the lowest priority (with `lowPriority`). Until then
   * they run at normal priority: the startup hashes (the decoy) are not held back by a
   * busy machine.
   */
  lowerPriority(): void {
    if (!this.#options.lowPriority || this.#lowered) return;
    this.#lowered = true;
    for (const t of this.#threads) t?.worker.postMessage({ op: 'lower' });
  }

  hash(password: string, options: object): Promise<string> {
    return this.#run({ op: 'hash', password, options }) as Promise<string>;
  }

  verify(stored: string, password: string): Promise<boolean> {
    return this.#run({ op: 'verify', stored, password }) as Promise<boolean>;
  }

  #run(job: Job): Promise<string | boolean> {
    if (this.#closed) return Promise.reject(new InternalError('password hashing threads are closed'));
    const thread = this.#leastBusy();
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      thread.pending.set(id, { resolve, reject });
      thread.worker.postMessage({ id, ...job });
    });
  }

  #leastBusy(): Thread {
    let best = -1;
    for (let i = 0; i < this.#threads.length; i++) {
      const t = this.#threads[i];
      if (!t) {
        best = i;
        break;
      }
      if (best === -1 || t.pending.size < this.#threads[best]!.pending.size) best = i;
    }
    return (this.#threads[best] ??= this.#start(best));
  }

  #start(index: number): Thread {
    const worker = new Worker(THREAD_SOURCE, {
      eval: true,
      workerData: { argon2: ARGON2_PATH, lowPriority: this.#lowered },
      name: `argon2-${index}`,
    });
    worker.unref();
    const thread: Thread = { worker, pending: new Map() };
    const fail = (err: Error): void => {
      if (this.#threads[index] === thread) this.#threads[index] = undefined;
      for (const p of thread.pending.values()) p.reject(err);
      thread.pending.clear();
    };
    worker.on('message', (m: { id?: number; result?: string | boolean; error?: string; niced?: boolean }) => {
      if (m.id === undefined) {
        if (m.niced) this.nicedThreads++;
        return;
      }
      const p = thread.pending.get(m.id);
      if (!p) return;
      thread.pending.delete(m.id);
      if (m.error !== undefined) p.reject(new Error(m.error));
      else p.resolve(m.result!);
    });
    worker.on('error', (err) => fail(new InternalError(`password hashing thread failed: ${err.message}`)));
    worker.on('exit', () => fail(new InternalError('password hashing thread exited')));
    return thread;
  }

  /** Ends every thread; jobs still running fail. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#threads.flatMap((t) => (t ? [t.worker.terminate()] : [])));
  }
}
