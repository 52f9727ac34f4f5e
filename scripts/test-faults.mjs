#!/usr/bin/env node
// The fault suite (`npm run test:faults`): runs the tests that break Redis, PostgreSQL,
// workers and connections on purpose, then prints what they measured. Every file is
// also part of `npm test`; this runs them alone and sums up. A fault test that measures
// something prints `# faults: <case> key=value …`: keys with `stale`, `reset` or `lost`
// in their name must be 0, and `*_ms` keys are windows (docs/operations.md gives them).
// A file listed here that does not exist (yet) is reported and skipped.
// Usage: test-faults.mjs [TEST_CONCURRENCY=1]
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** The fault tests, in one place. A trailing `*` matches by prefix in its folder. */
export const FAULT_TESTS = [
  'test/integration/fail-closed.test.ts',
  'test/integration/pool-failures.test.ts',
  'test/integration/pool-lost-reply.test.ts',
  'test/integration/refresh-retry.test.ts',
  'test/integration/redis-durability.test.ts',
  'test/integration/redis-data-loss*',
  'test/integration/logout-all*',
  'test/integration/redis-eviction.test.ts',
  'test/integration/redis-health-runtime.test.ts',
  'test/integration/health-redis-store.test.ts',
  'test/integration/pool-deadlines.test.ts',
  'test/integration/cluster-lifecycle.test.ts',
  'test/integration/cluster-crash-loop.test.ts',
  'test/integration/cluster-respawn.test.ts',
  'test/integration/drain-keepalive.test.ts',
  'test/integration/postgres-failover.test.ts',
];

function expand(entry) {
  if (!entry.endsWith('*')) return existsSync(entry) ? [entry] : [];
  const dir = entry.slice(0, entry.lastIndexOf('/'));
  const prefix = entry.slice(dir.length + 1, -1);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.startsWith(prefix) && /\.test\.(ts|mts|js|mjs)$/.test(f))
    .sort()
    .map((f) => join(dir, f));
}

const files = [];
const absent = [];
for (const entry of FAULT_TESTS) {
  const found = expand(entry);
  if (found.length === 0) absent.push(entry);
  files.push(...found);
}

const fromEnv = Number.parseInt(process.env.TEST_CONCURRENCY ?? '', 10);
const concurrency = Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 1;
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files],
  { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_ENV: 'test' } },
);
let output = '';
child.stdout.setEncoding('utf8').on('data', (d) => {
  output += d;
  process.stdout.write(d);
});
const code = await new Promise((resolve) => child.on('exit', (c) => resolve(c ?? 1)));

const measured = [];
for (const line of output.split('\n')) {
  const m = /#\s*faults:\s*(.*)$/.exec(line);
  if (!m) continue;
  const words = m[1].trim().split(/\s+/);
  const pairs = words.filter((w) => w.includes('='));
  const label = words.filter((w) => !w.includes('=')).join(' ');
  measured.push({ label, values: Object.fromEntries(pairs.map((p) => p.split('='))) });
}
const mustBeZero = (key) => /stale|reset|lost/i.test(key);
const totals = { stale: 0, resets: 0, lost: 0 };
let violations = 0;
for (const { values } of measured) {
  for (const [key, value] of Object.entries(values)) {
    if (!mustBeZero(key)) continue;
    const n = Number.parseInt(value, 10) || 0;
    if (/stale/i.test(key)) totals.stale += n;
    else if (/reset/i.test(key)) totals.resets += n;
    else totals.lost += n;
    if (n !== 0) violations++;
  }
}
const failedFiles = [...output.matchAll(/^✖ (\S+\.test\.\w+)/gm)].map((m) => m[1]);

console.log('\n=== fault suite summary ===');
console.log(
  `files run: ${files.length}${absent.length ? ` (not present, skipped: ${absent.join(', ')})` : ''}`,
);
for (const { label, values } of measured) {
  console.log(
    `  ${label.padEnd(28)} ${Object.entries(values)
      .map(([k, v]) => `${k}=${v}`)
      .join('  ')}`,
  );
}
console.log(
  `stale accepts: ${totals.stale}   resets: ${totals.resets}   lost writes: ${totals.lost}` +
    '   (each must be 0; the other tests assert 0 themselves and pass or fail)',
);
console.log(
  `result: ${code === 0 && violations === 0 ? 'PASS' : 'FAIL'}${failedFiles.length ? ` (failed: ${failedFiles.join(', ')})` : ''}`,
);
process.exit(code === 0 && violations === 0 ? 0 : 1);
