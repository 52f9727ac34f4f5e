#!/usr/bin/env node
// The test suite starts real servers: redis-server and redis-sentinel, PostgreSQL
// (initdb + pg_ctl, for the accounts database), nginx (two
// instances behind a balancer) and Chromium (the HTML report test), and checks the
// Prometheus rules with promtool (Debian's prometheus package). On a fresh
// Debian/Ubuntu machine, as root, this installs whichever are missing; otherwise it
// names them and stops, so `npm test` never fails half-way for a missing binary.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

const has = (cmd, paths = []) =>
  paths.some((p) => existsSync(p)) ||
  spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

// Debian keeps the PostgreSQL server binaries (initdb, pg_ctl) out of PATH.
const postgresBinaries = () => {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return [];
  return readdirSync(root).map((v) => `${root}/${v}/bin/initdb`);
};

const needed = [
  ['initdb', 'postgresql', postgresBinaries()],
  ['redis-server', 'redis-server', []],
  ['redis-sentinel', 'redis-sentinel', []],
  ['nginx', 'nginx', ['/usr/sbin/nginx']],
  ['chromium', 'chromium', ['/usr/bin/chromium']],
  ['promtool', 'prometheus', ['/usr/bin/promtool']],
].filter(([cmd, , paths]) => !has(cmd, paths));

if (needed.length === 0) process.exit(0);
const pkgs = needed.map(([, pkg]) => pkg);
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!isRoot || !has('apt-get')) {
  console.error(`tests need: ${pkgs.join(', ')} (Debian: apt-get install -y ${pkgs.join(' ')})`);
  process.exit(1);
}
console.log(`installing test dependencies: ${pkgs.join(' ')}`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...pkgs], { stdio: 'inherit', env });
