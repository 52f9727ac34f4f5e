/**
 * Starts the generators: worker threads (the default) or inline in this thread (tests,
 * debugging). The worker entry is resolved next to this module: `generator-worker.js`
 * when built, `generator-worker.ts` when running from source under tsx.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { nowMs } from './clock.js';
import { Generator } from './generator.js';
import type { ControlMessage, GeneratorMessage, GeneratorSetup } from './messages.js';
import type { RunConfig } from './types.js';

export type GeneratorMode = 'worker' | 'inline';

export interface GeneratorHandle {
  readonly index: number;
  send(msg: ControlMessage): void;
  /** Ends the generator for good (worker: terminate). */
  terminate(): Promise<void>;
}

export function workerEntry(): URL {
  const js = new URL('./generator-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(js))) return js;
  const ts = new URL('./generator-worker.ts', import.meta.url);
  if (existsSync(fileURLToPath(ts))) return ts;
  throw new Error(`generator worker entry not found next to ${fileURLToPath(import.meta.url)}`);
}

/**
 * A worker for the entry: the built .js directly; the .ts source through tsx's ESM
 * loader, registered inside the worker first (Node 20 workers do not get the parent's
 * `--import tsx` hooks).
 */
function createWorker(entry: URL, setup: GeneratorSetup): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { workerData: setup });
  const api = import.meta.resolve('tsx/esm/api');
  const code =
    `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })` +
    `.catch((e) => { throw e; });`;
  return new Worker(code, { eval: true, workerData: setup });
}

function startWorker(setup: GeneratorSetup, onMessage: (m: GeneratorMessage) => void): GeneratorHandle {
  const worker = createWorker(workerEntry(), setup);
  worker.on('message', onMessage);
  worker.on('error', (err) => onMessage({ type: 'error', index: setup.index, message: err.message }));
  worker.on('exit', (code) => {
    if (code !== 0)
      onMessage({ type: 'error', index: setup.index, message: `generator exited with code ${code}` });
  });
  return {
    index: setup.index,
    send: (msg) => worker.postMessage(msg),
    terminate: async () => {
      await worker.terminate();
    },
  };
}

function startInline(setup: GeneratorSetup, onMessage: (m: GeneratorMessage) => void): GeneratorHandle {
  // Deliver asynchronously, as a worker would.
  const emit = (m: GeneratorMessage): void => queueMicrotask(() => onMessage(m));
  const generator = new Generator(setup, emit);
  const fail = (err: unknown): void =>
    emit({ type: 'error', index: setup.index, message: err instanceof Error ? err.message : String(err) });
  generator.prepare().catch(fail);
  return {
    index: setup.index,
    send: (msg) => {
      if (msg.type === 'go') generator.run(nowMs() + msg.delayMs).catch(fail);
      else generator.handle(msg);
    },
    terminate: () => {
      generator.abort();
      return Promise.resolve();
    },
  };
}

export function startGenerators(
  run: RunConfig,
  mode: GeneratorMode,
  onMessage: (m: GeneratorMessage) => void,
): GeneratorHandle[] {
  const handles: GeneratorHandle[] = [];
  for (let index = 0; index < run.generators; index++) {
    const setup: GeneratorSetup = { run, index, count: run.generators };
    handles.push(mode === 'worker' ? startWorker(setup, onMessage) : startInline(setup, onMessage));
  }
  return handles;
}
