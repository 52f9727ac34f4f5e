/**
 * What a password-strength check costs, against the baseline of one argon2id hash at the
 * OWASP cost (what every registration pays anyway), in one run:
 * 1. zxcvbn in this thread, by input shape and length, with the l33t bound tollgate uses
 *    (10 spellings) and with the library default (100);
 * 2. the same through StrengthEstimator (its worker thread), and how long the event loop
 *    of this thread stalls meanwhile, against running zxcvbn on it.
 * Run: `node --import tsx bench/password-strength.ts`. Medians of a few runs each.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary as common } from '@zxcvbn-ts/language-common';
import { dictionary as en, translations } from '@zxcvbn-ts/language-en';
import { argon2idHasher } from '../src/auth/passwords.js';
import { L33T_MAX_SUBSTITUTIONS, SCORED_LENGTH, StrengthEstimator } from '../src/auth/password-strength.js';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const spread = (alphabet: string, n: number, step: number): string =>
  Array.from({ length: n }, (_, i) => alphabet[(i * step + 13) % alphabet.length]).join('');

/** Shapes that are costly for zxcvbn's matchers (l33t spellings, digits, keyboard rows). */
const SHAPES: Record<string, string> = {
  passphrase: 'correct horse battery staple lantern oyster violin harbour '.repeat(3),
  'random mixed': spread('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!@#$%^&*', 128, 7919),
  'l33t symbols': '4@8(3€6#1!|0$5+7%2'.repeat(8),
  digits: spread('0123456789', 128, 7),
  'keyboard rows': 'qwertyuiop[]asdfghjkl;zxcvbnm,./'.repeat(4),
};
const LENGTHS = [16, 32, 64, 128];

async function time(fn: () => unknown, runs: number): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    xs.push(performance.now() - t0);
  }
  return median(xs);
}

const hasher = argon2idHasher();
await hasher.prepare();
const argon = await time(() => hasher.hash('correct horse battery staple'), 15);

const factory = (l33tMaxSubstitutions: number) =>
  new ZxcvbnFactory({
    translations,
    graphs: adjacencyGraphs,
    dictionary: { ...common, ...en },
    l33tMaxSubstitutions,
  });
const ours = factory(L33T_MAX_SUBSTITUTIONS);
const libraryDefault = factory(100);
for (let i = 0; i < 5; i++) {
  ours.check(`warm-up P@ssw0rd ${i}`);
  libraryDefault.check(`warm-up P@ssw0rd ${i}`);
}

console.log(`baseline: one argon2id hash (m=19456 KiB, t=2, p=1): ${argon.toFixed(1)} ms (median of 15)\n`);
console.log(
  `zxcvbn in this thread, ms (× argon2id hash); l33t bound ${L33T_MAX_SUBSTITUTIONS} / library default 100`,
);
console.log(`| shape | ${LENGTHS.map((n) => `${n} chars`).join(' | ')} |`);
console.log(`|---|${LENGTHS.map(() => '---').join('|')}|`);
for (const [name, text] of Object.entries(SHAPES)) {
  const cells: string[] = [];
  for (const n of LENGTHS) {
    const input = text.slice(0, n);
    const a = await time(() => ours.check(input), 5);
    const b = await time(() => libraryDefault.check(input), n >= 64 ? 1 : 3);
    cells.push(`${a.toFixed(0)} (${(a / argon).toFixed(1)}×) / ${b.toFixed(0)}`);
  }
  console.log(`| ${name} | ${cells.join(' | ')} |`);
}

// The event loop of this thread while 20 worst-shape checks of the scored length run.
const inputs = Object.values(SHAPES).flatMap((t) => [
  t.slice(0, SCORED_LENGTH),
  t.slice(1, SCORED_LENGTH + 1),
]);
async function stall(run: () => Promise<unknown>): Promise<{ p99: number; max: number; wall: number }> {
  const h = monitorEventLoopDelay({ resolution: 5 });
  const tick = setInterval(() => undefined, 5);
  h.enable();
  const t0 = performance.now();
  await run();
  const wall = performance.now() - t0;
  h.disable();
  clearInterval(tick);
  return { p99: h.percentile(99) / 1e6, max: h.max / 1e6, wall };
}
const estimator = new StrengthEstimator();
// Load the dictionaries and warm the thread's JIT as this thread's factory was warmed.
for (const p of inputs) await estimator.estimate(p, []);
const onLoop = await stall(async () => {
  for (const p of inputs) {
    ours.check(p);
    await new Promise((r) => setImmediate(r));
  }
});
const inWorker = await stall(async () => {
  for (const p of inputs) await estimator.estimate(p, []);
});
await estimator.close();
// The machine's own scheduling noise: the same measurement with nothing to do.
const idle = await stall(() => new Promise((r) => setTimeout(r, inWorker.wall)));
console.log(
  `\n${inputs.length} checks of ${SCORED_LENGTH} characters; event-loop delay of this thread meanwhile:`,
);
console.log('| where zxcvbn runs | wall ms | loop delay p99 ms | loop delay max ms |');
console.log('|---|---|---|---|');
for (const [label, r] of [
  ['this thread (baseline)', onLoop],
  ['StrengthEstimator worker', inWorker],
  ['no checks (noise floor)', idle],
] as const) {
  console.log(`| ${label} | ${r.wall.toFixed(0)} | ${r.p99.toFixed(1)} | ${r.max.toFixed(1)} |`);
}
