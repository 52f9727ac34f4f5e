/**
 * A production image has the service without this package: `tollgate loadtest` then says
 * in one line how to get the tool, and exits 1. Reproduced with the BUILT service in a
 * temp dir whose node_modules has every dependency but @tollgate/loadtest.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../../../..');
const BUILT = join(ROOT, 'dist/src/cli.js');

test(
  'without the package, tollgate loadtest prints one line saying how to get it',
  { skip: !existsSync(BUILT) },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'lt-image-'));
    try {
      cpSync(join(ROOT, 'dist/src'), join(dir, 'dist/src'), { recursive: true });
      writeFileSync(
        join(dir, 'package.json'),
        JSON.stringify({ name: 'tollgate', version: '0.0.0', type: 'module' }),
      );
      mkdirSync(join(dir, 'node_modules'));
      for (const name of readdirSync(join(ROOT, 'node_modules'))) {
        if (name === '@tollgate' || name.startsWith('.')) continue;
        symlinkSync(join(ROOT, 'node_modules', name), join(dir, 'node_modules', name));
      }
      const res = spawnSync(process.execPath, [join(dir, 'dist/src/cli.js'), 'loadtest', '--help'], {
        cwd: dir,
        encoding: 'utf8',
        timeout: 20_000,
      });
      assert.equal(res.status, 1, res.stderr);
      assert.equal(res.stdout, '');
      const lines = res.stderr.trim().split('\n');
      assert.equal(lines.length, 1, res.stderr);
      assert.match(
        lines[0]!,
        /^tollgate loadtest: the load-testing tool \(@tollgate\/loadtest\) is not installed here; .*npm ci && npm run build/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
