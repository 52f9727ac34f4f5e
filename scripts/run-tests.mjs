#!/usr/bin/env node
// Runs the test suite with Node's own test runner. Node 20 has no glob support in
// `--test`, so the files are listed here. Usage: run-tests.mjs [dir-or-file ...]
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const roots = process.argv.slice(2);
const targets = roots.length > 0 ? roots : ['test/unit', 'test/integration', 'test/e2e'];

function collect(path, out) {
  const st = statSync(path);
  if (st.isFile()) {
    if (/\.test\.(ts|mts|js|mjs)$/.test(path)) out.push(path);
    return;
  }
  for (const name of readdirSync(path).sort()) collect(join(path, name), out);
}

const files = [];
for (const t of targets) collect(t, files);
if (files.length === 0) {
  console.error('run-tests: no test files found under', targets.join(', '));
  process.exit(1);
}

const args = ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files];
const res = spawnSync(process.execPath, args, {
  stdio: 'inherit',
  env: { ...process.env, NODE_ENV: 'test' },
});
process.exit(res.status ?? 1);
