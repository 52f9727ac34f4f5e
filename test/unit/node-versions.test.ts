/**
 * The supported Node.js lines are declared in four places that must agree: the engines
 * field of package.json (the lowest supported version), the lines CI tests on
 * (`NODE_MAJORS` in .ci/run), the image's base (deploy/Dockerfile) and the docs
 * (README, docs/operations.md). @types/node follows the lowest line, so the code does
 * not use an API the oldest supported Node lacks.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = resolve(import.meta.dirname, '../..');
const read = (p: string) => readFileSync(resolve(ROOT, p), 'utf8');
const PKG = JSON.parse(read('package.json')) as {
  engines: { node: string };
  devDependencies: Record<string, string>;
};

/** `>=22.12` → [22, 12]: one lower bound, nothing else (no upper bound to forget to move). */
function enginesFloor(range: string): [number, number] {
  const m = /^>=(\d+)\.(\d+)(?:\.\d+)?$/.exec(range.trim());
  assert.ok(m, `engines.node is a single lower bound, got "${range}"`);
  return [Number(m[1]), Number(m[2])];
}

/** The majors of `NODE_MAJORS=(22 24)` in .ci/run. */
function ciMajors(text: string): number[] {
  const m = /^NODE_MAJORS=\(([\d ]+)\)$/m.exec(text);
  assert.ok(m, '.ci/run declares NODE_MAJORS=(...)');
  return m[1]!.trim().split(/\s+/).map(Number);
}

/** The major of the Dockerfile's external base, `FROM node:24.18.0-bookworm-slim@sha256:...`. */
function dockerMajor(text: string): number {
  const m = /^FROM node:(\d+)\.\d+\.\d+-[\w-]+@sha256:[0-9a-f]{64}\b/m.exec(text);
  assert.ok(m, 'deploy/Dockerfile builds on an exact node:<version> pinned by digest');
  return Number(m[1]);
}

describe('supported Node.js versions', () => {
  const [floorMajor, floorMinor] = enginesFloor(PKG.engines.node);
  const ci = ciMajors(read('.ci/run'));
  const docker = dockerMajor(read('deploy/Dockerfile'));

  it('CI tests two even (LTS) lines, oldest first, the oldest being the engines floor', () => {
    assert.equal(ci.length, 2, `two lines, got ${ci.join(', ')}`);
    assert.deepEqual(
      [...ci].sort((a, b) => a - b),
      ci,
    );
    for (const major of ci) assert.equal(major % 2, 0, `Node ${major} is an LTS line`);
    assert.equal(ci[0], floorMajor, `engines ${PKG.engines.node} starts at the oldest line CI tests`);
  });

  it('the image runs the newest line CI tests', () => {
    assert.equal(docker, ci[ci.length - 1]);
  });

  it('@types/node describes the oldest supported line', () => {
    const m = /^\^?(\d+)\./.exec(PKG.devDependencies['@types/node'] ?? '');
    assert.equal(Number(m?.[1]), floorMajor);
  });

  it('the README and the operations guide say the same', () => {
    const floor = `${floorMajor}.${floorMinor}`;
    assert.match(read('README.md'), new RegExp(`Node\\.js ${floor.replace('.', '\\.')} or newer`));
    const ops = read('docs/operations.md');
    const section = /## Supported Node\.js versions\n([\s\S]*?)\n## /.exec(ops)?.[1] ?? '';
    assert.ok(section, 'docs/operations.md has a "Supported Node.js versions" section');
    for (const major of ci) assert.match(section, new RegExp(`\\bNode(\\.js)? ${major}\\b`));
    assert.match(section, new RegExp(`${floor.replace('.', '\\.')}`), 'names the engines floor');
    assert.match(section, new RegExp(`node:${docker}\\b`), 'names the image base');
  });
});
