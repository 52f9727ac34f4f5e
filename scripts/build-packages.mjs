#!/usr/bin/env node
// Builds every workspace package under packages/ that has a `build` script, in name
// order (`npm run build --workspaces` fails when there are none yet).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

if (!existsSync('packages')) process.exit(0);
for (const name of readdirSync('packages').sort()) {
  const manifest = join('packages', name, 'package.json');
  if (!existsSync(manifest)) continue;
  const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
  if (!pkg.scripts?.build) continue;
  const res = spawnSync('npm', ['run', 'build', '--silent', '--workspace', pkg.name], { stdio: 'inherit' });
  if (res.status !== 0) process.exit(res.status ?? 1);
}
