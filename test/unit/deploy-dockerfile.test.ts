/**
 * deploy/Dockerfile as shipped (no Docker engine runs the tests): Docker's syntax rules
 * through dockerfile-utils (the linter of the Dockerfile language server), then the
 * parsed instructions (dockerfile-ast) for what the image promises: a Node 24 base pinned
 * by digest, a runtime stage with production dependencies of the root package only,
 * OCI labels, a non-root user, a HEALTHCHECK on /health/live, SIGTERM, no secrets.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { DockerfileParser, Label, type Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';

const ROOT = resolve(import.meta.dirname, '../..');
const TEXT = readFileSync(resolve(ROOT, 'deploy/Dockerfile'), 'utf8');
const DOCKERFILE = DockerfileParser.parse(TEXT);
const PKG = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { license: string };

/** The instructions of each stage, by stage name. */
function stages(): Map<string, { from: string; instructions: Instruction[] }> {
  const out = new Map<string, { from: string; instructions: Instruction[] }>();
  let current: Instruction[] | undefined;
  for (const i of DOCKERFILE.getInstructions()) {
    if (i.getKeyword() === 'FROM') {
      const from = DOCKERFILE.getFROMs().find((f) => f.getRange().start.line === i.getRange().start.line)!;
      current = [];
      out.set(from.getBuildStage() ?? `#${out.size}`, { from: from.getImage()!, instructions: current });
    } else {
      current?.push(i);
    }
  }
  return out;
}

const STAGES = stages();
const names = [...STAGES.keys()];
const FINAL = STAGES.get(names[names.length - 1]!)!;
const of = (keyword: string, list = FINAL.instructions): Instruction[] =>
  list.filter((i) => i.getKeyword() === keyword);
const args = (i: Instruction): string => i.getArgumentsContent() ?? '';
/** The instruction as written, flags included, continuation lines joined, without its keyword. */
const raw = (i: Instruction): string =>
  i
    .getTextContent()
    .replace(/\\\n\s*/g, ' ')
    .replace(/^\S+\s+/, '')
    .trim();

/** Every instruction of the final image: its own stage and the stages it builds on. */
function finalLineage(): Instruction[] {
  const out: Instruction[] = [];
  let stage: { from: string; instructions: Instruction[] } | undefined = FINAL;
  while (stage) {
    out.unshift(...stage.instructions);
    stage = STAGES.get(stage.from);
  }
  return out;
}

describe('deploy/Dockerfile', () => {
  it('passes the Dockerfile linter with no diagnostic', () => {
    assert.deepEqual(
      validate(TEXT).map(
        (d) => `${d.range.start.line + 1}: ${typeof d.message === 'string' ? d.message : d.message.value}`,
      ),
      [],
    );
  });

  it('has one external base: Node 24 LTS on bookworm-slim, pinned by digest', () => {
    const external = DOCKERFILE.getFROMs().filter((f) => !STAGES.has(f.getImage() ?? ''));
    assert.equal(external.length, 1, 'one base image; the other stages build on it');
    const base = external[0]!;
    assert.equal(base.getImageName(), 'node');
    assert.match(base.getImageTag() ?? '', /^24\.\d+\.\d+-bookworm-slim$/, 'an exact Node 24 version');
    assert.match(base.getImageDigest() ?? '', /^sha256:[0-9a-f]{64}$/, 'pinned by digest');
    assert.match(TEXT, /docker buildx imagetools inspect node:24-bookworm-slim/, 'says how to refresh it');
  });

  it('labels the image with the OCI keys, the version from a build argument and the base it pins', () => {
    const labels = new Map<string, string>();
    for (const l of of('LABEL')) {
      assert.ok(l instanceof Label);
      for (const p of l.getProperties()) labels.set(p.getName(), p.getValue() ?? '');
    }
    for (const key of [
      'title',
      'description',
      'version',
      'revision',
      'licenses',
      'base.name',
      'base.digest',
    ]) {
      assert.ok(labels.get(`org.opencontainers.image.${key}`), `org.opencontainers.image.${key}`);
    }
    assert.equal(labels.get('org.opencontainers.image.version'), '${VERSION}');
    assert.ok(
      of('ARG').some((a) => /^VERSION(=|$)/.test(args(a))),
      'ARG VERSION in the runtime stage',
    );
    assert.equal(labels.get('org.opencontainers.image.licenses'), PKG.license);
    const base = DOCKERFILE.getFROMs()[0]!;
    assert.equal(labels.get('org.opencontainers.image.base.digest'), base.getImageDigest());
    assert.equal(
      labels.get('org.opencontainers.image.base.name'),
      `docker.io/library/node:${base.getImageTag()}`,
    );
  });

  it('runs as a non-root user', () => {
    const users = of('USER', finalLineage());
    assert.ok(users.length > 0, 'a USER instruction');
    const user = args(users[users.length - 1]!).split(':')[0]!;
    assert.ok(!['root', '0', ''].includes(user), `runs as ${user}`);
    // Nothing after USER needs root.
    const after = FINAL.instructions.slice(FINAL.instructions.indexOf(users[users.length - 1]!) + 1);
    assert.deepEqual(after.filter((i) => ['RUN', 'COPY', 'ADD'].includes(i.getKeyword())).map(args), []);
  });

  it('checks /health/live with Node itself, stops on SIGTERM and exposes the port it listens on', () => {
    const [hc, ...more] = of('HEALTHCHECK');
    assert.ok(hc && more.length === 0, 'one HEALTHCHECK');
    const cmd = raw(hc);
    assert.match(cmd, /^--interval=\S+ --timeout=\S+ --start-period=\S+ --retries=\d+\s/);
    assert.match(cmd, /CMD \["node", "-e", ".*fetch\(.*\/health\/live/);
    assert.match(cmd, /AbortSignal\.timeout\(/, 'the probe itself is bounded');
    assert.doesNotMatch(cmd, /curl|wget/);
    assert.deepEqual(of('STOPSIGNAL').map(args), ['SIGTERM']);
    const port = /\bPORT=(\d+)/.exec(of('ENV').map(args).join(' '))?.[1];
    assert.deepEqual(of('EXPOSE').map(args), [port]);
    assert.deepEqual(of('ENTRYPOINT').map(args), ['["node", "dist/src/cli.js"]']);
    assert.ok(existsSync(resolve(ROOT, 'src/cli.ts')), 'the entry point is built from src/cli.ts');
  });

  it('installs only the root package: dev dependencies in the build stage, none in the runtime', () => {
    const npmRuns = (list: Instruction[]) =>
      of('RUN', list)
        .map(args)
        .filter((r) => /\bnpm\b/.test(r));
    for (const [name, stage] of STAGES) {
      for (const run of npmRuns(stage.instructions)) {
        assert.doesNotMatch(run, /\bnpm (install|i)\b/, `${name}: npm ci only (the lock file decides)`);
        if (/\bnpm ci\b/.test(run)) assert.match(run, /--workspaces=false/, `${name}: no workspace packages`);
      }
    }
    const runtime = npmRuns(FINAL.instructions);
    assert.equal(runtime.filter((r) => /\bnpm ci\b/.test(r)).length, 1);
    for (const r of runtime) {
      if (/\bnpm ci\b/.test(r)) assert.match(r, /--omit=dev/, 'no dev dependencies in the runtime image');
      assert.doesNotMatch(r, /npm (run|exec)|npx/, 'nothing is built in the runtime stage');
    }
    // The runtime stage copies the manifests and the compiled code, nothing else.
    for (const c of of('COPY').map(raw)) {
      if (c.startsWith('--from=')) assert.equal(c, '--from=build /app/dist/src ./dist/src');
      else assert.equal(c, 'package.json package-lock.json ./');
    }
  });

  it('bakes in no secret', () => {
    const names = [...of('ENV', finalLineage()), ...of('ARG', finalLineage())].flatMap((i) =>
      [...args(i).matchAll(/(?:^|\s)([A-Z_][A-Z0-9_]*)=/g)].map((m) => m[1]!),
    );
    assert.ok(names.length > 0);
    for (const n of names)
      assert.doesNotMatch(n, /PASSWORD|TOKEN|SECRET|PRIVATE_KEY|DATABASE_URL|REDIS_URL/, n);
  });

  it('sends the build nothing but what it compiles (Dockerfile.dockerignore)', () => {
    const rules = readFileSync(resolve(ROOT, 'deploy/Dockerfile.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    assert.equal(rules[0], '**', 'everything is excluded first');
    assert.deepEqual(rules.slice(1).sort(), [
      '!package-lock.json',
      '!package.json',
      '!src/**',
      '!tsconfig.build.json',
      '!tsconfig.json',
    ]);
    for (const c of of('COPY', finalLineage().concat(STAGES.get('build')?.instructions ?? []))) {
      if (/^--from=/.test(raw(c))) continue;
      // Every file copied from the context is one the filter lets through, and exists.
      for (const s of args(c).split(/\s+/).slice(0, -1)) {
        assert.ok(rules.includes(`!${s}`) || rules.includes(`!${s}/**`), `${s} passes the filter`);
        assert.ok(existsSync(resolve(ROOT, s)), `${s} exists`);
      }
    }
  });
});
