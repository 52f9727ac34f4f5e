/** Worker-thread entry of a generator: wires a Generator to the parent port. */
import { parentPort, workerData } from 'node:worker_threads';
import { nowMs } from './clock.js';
import { Generator } from './generator.js';
import type { ControlMessage, GeneratorSetup } from './messages.js';

const port = parentPort;
if (!port) throw new Error('generator-worker must run in a worker thread');
const setup = workerData as GeneratorSetup;
const generator = new Generator(setup, (msg) => port.postMessage(msg));

const fail = (err: unknown): void => {
  port.postMessage({
    type: 'error',
    index: setup.index,
    message: err instanceof Error ? err.message : String(err),
  });
};

port.on('message', (msg: ControlMessage) => {
  if (msg.type === 'go') {
    generator.run(nowMs() + msg.delayMs).then(() => port.close(), fail);
  } else {
    generator.handle(msg);
  }
});

generator.prepare().catch(fail);
