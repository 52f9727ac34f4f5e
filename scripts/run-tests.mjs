#!/usr/bin/env node
// Runs the test suite with Node's own test runner. Node 20 has no glob support in
// `--test`, so the files are listed here. Usage: run-tests.mjs [dir-or-file ...]
// With no argument it runs test/{unit,integration,e2e} and every packages/*/test.
// Files run in parallel, as many as the machine has cores (TEST_CONCURRENCY overrides).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function defaultTargets() {
  const targets = ['test/unit', 'test/integration', 'test/e2e'];
  if (existsSync('packages')) {
    for (const pkg of readdirSync('packages').sort()) {
      const dir = join('packages', pkg, 'test');
      if (existsSync(dir)) targets.push(dir);
    }
  }
  return targets.filter((t) => existsSync(t));
}

const roots = process.argv.slice(2);
const targets = roots.length > 0 ? roots : defaultTargets();

function collect(path, out) {
  const st = statSync(path);
  if (st.isFile()) {
    if (/\.test\.(ts|mts|js|mjs)$/.test(path)) out.push(path);
    return;
  }
  for (const name of readdirSync(path).sort()) {
    if (name === 'node_modules' || name === 'fixtures') continue;
    collect(join(path, name), out);
  }
}

const files = [];
for (const t of targets) collect(t, files);
if (files.length === 0) {
  console.error('run-tests: no test files found under', targets.join(', '));
  process.exit(1);
}

const fromEnv = Number.parseInt(process.env.TEST_CONCURRENCY ?? '', 10);
const concurrency = Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : Math.max(2, availableParallelism());
const args = [
  '--import',
  'tsx',
  '--test',
  `--test-concurrency=${concurrency}`,
  '--test-reporter=spec',
  ...files,
];
const res = spawnSync(process.execPath, args, {
  stdio: 'inherit',
  env: { ...process.env, NODE_ENV: 'test' },
});
process.exit(res.status ?? 1);
