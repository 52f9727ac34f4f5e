/**
 * The workspace packages as a team gets them: `npm pack` of @tollgate/verify,
 * @tollgate/loadtest and @tollgate/client (built dist/, `npm run build` first), each
 * tarball checked for its LICENSE, README, metadata and types, then all three installed
 * with `npm install <tgz>` into a fresh directory (dependencies from the local npm cache
 * where it has them) and used there: TypeScript resolves every export's types; a script
 * registers and logs in through the client against a real tollgate, verifies the access
 * token with the Node and the edge entries of the verifier (introspection), logs out and
 * sees both refuse it; the load tool's bin answers --help and its API imports.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { clientSecret } from '../../src/commands/clients.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const PACKAGES = { verify: '@tollgate/verify', loadtest: '@tollgate/loadtest', client: '@tollgate/client' };
type Dir = keyof typeof PACKAGES;

interface PackResult {
  name: string;
  version: string;
  filename: string;
  files: { path: string }[];
}

interface Manifest {
  name: string;
  license?: string;
  homepage?: string;
  repository?: { type?: string; url?: string; directory?: string };
  exports?: Record<string, string | { types?: string; default?: string }>;
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

async function npm(args: string[], cwd: string): Promise<string> {
  const { stdout } = await run('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd,
    timeout: 180_000,
    maxBuffer: 16 * 1024 * 1024,
    env: { ...process.env, NODE_ENV: 'production' },
  });
  return stdout;
}

const SMOKE = `
import assert from 'node:assert/strict';
import { createTollgateClient } from '@tollgate/client';
import { createVerifier, SessionEndedError } from '@tollgate/verify';
import * as edge from '@tollgate/verify/edge';
import { resolveRunConfig, runLoadtest } from '@tollgate/loadtest';

const { TOLLGATE_URL: baseUrl, CLIENT_ID: clientId, CLIENT_SECRET: clientSecret } = process.env;
const email = 'packed@example.test';
const password = 'correct horse battery staple';
const tollgate = createTollgateClient({ baseUrl });
assert.equal((await tollgate.POST('/auth/register', { body: { email, password } })).response.status, 201);
const login = await tollgate.POST('/auth/login', { body: { email, password } });
assert.ok(login.data && 'access_token' in login.data, JSON.stringify(login.error));
const token = login.data.access_token;

// The issuer, as a resource server learns it: from tollgate's RFC 8414 metadata.
const { issuer } = await (await fetch(new URL('/.well-known/oauth-authorization-server', baseUrl))).json();
const options = { baseUrl, issuer, audience: 'tollgate', session: { mode: 'introspect', clientId, clientSecret } };
const node = createVerifier(options);
const onEdge = edge.createVerifier(options);
const me = await createTollgateClient({ baseUrl, accessToken: token }).GET('/auth/me');
assert.equal((await node.verify('Bearer ' + token)).sub, me.data.id);
const request = new Request(baseUrl, { headers: { authorization: 'Bearer ' + token } });
assert.equal((await onEdge.verifyRequest(request)).sub, me.data.id);

assert.equal((await tollgate.POST('/auth/logout', { headers: { authorization: 'Bearer ' + token } })).response.status, 200);
await assert.rejects(node.verify(token), SessionEndedError);
await assert.rejects(onEdge.verify(token), edge.SessionEndedError);
assert.equal(edge.errorResponse(new edge.SessionEndedError()).status, 401);
await Promise.all([node.close(), onEdge.close()]);

assert.equal(typeof runLoadtest, 'function');
assert.equal(resolveRunConfig({ users: '2', duration: '1' }).url.startsWith('http://127.0.0.1'), true);
console.log('smoke ok');
`;

const TYPES = `
import { createTollgateClient, type ErrorCode, type paths } from '@tollgate/client';
import { createVerifier, type TollgateClaims } from '@tollgate/verify';
import { createVerifier as createEdgeVerifier, errorResponse, type EdgeVerifier } from '@tollgate/verify/edge';
import tollgatePlugin from '@tollgate/verify/fastify';
import tollgateAuth from '@tollgate/verify/express';
import { runLoadtest, type LoadtestReport } from '@tollgate/loadtest';

const client = createTollgateClient({ baseUrl: 'http://127.0.0.1:8000' });
export const login = client.POST('/auth/login', { body: { email: 'a@example.test', password: 'p' } });
// @ts-expect-error: not a path of the API
export const wrong = client.GET('/nope');
export const code: ErrorCode = 'invalid_token';
export type Me = paths['/auth/me']['get'];
export const verifier: EdgeVerifier = createEdgeVerifier({ baseUrl: 'http://x', issuer: 'i', audience: 'a', session: { mode: 'introspect', clientId: 'c', clientSecret: 's' } });
export const node = createVerifier;
export const claims = (c: TollgateClaims): string => c.sub;
export const res: (typeof errorResponse) = errorResponse;
export const plugin = tollgatePlugin;
export const middleware = tollgateAuth;
export const report = (r: LoadtestReport): number => r.totals.requests;
export const runner = runLoadtest;
`;

describe('packed packages install and work in a fresh directory', { timeout: 600_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), 'tollgate-pack-'));
  const app = join(work, 'app');
  const packed = new Map<Dir, PackResult>();
  const introspection = clientSecret('packed-test');
  let tollgate: TestApp;

  before(async () => {
    const out = await npm(
      [
        'pack',
        '--json',
        '--ignore-scripts', // dist/ is built by `npm run build`; prepack would build it again
        '--pack-destination',
        work,
        ...Object.values(PACKAGES).flatMap((name) => ['--workspace', name]),
      ],
      ROOT,
    );
    for (const result of JSON.parse(out) as PackResult[]) {
      const dir = (Object.keys(PACKAGES) as Dir[]).find((d) => PACKAGES[d] === result.name);
      assert.ok(dir, `packed ${result.name}`);
      packed.set(dir, result);
    }
    tollgate = await startTestApp({ INTROSPECTION_CLIENTS: introspection.entry });
  });

  after(async () => {
    await tollgate?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('each tarball has its LICENSE, README, types and metadata, and no tests or sources', () => {
    const root = readJson<Manifest>(join(ROOT, 'package.json'));
    const license = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
    assert.match(license, /^MIT License/);
    for (const dir of Object.keys(PACKAGES) as Dir[]) {
      const result = packed.get(dir)!;
      const files = result.files.map((f) => f.path);
      for (const f of ['LICENSE', 'README.md', 'package.json', 'dist/index.js', 'dist/index.d.ts']) {
        assert.ok(files.includes(f), `${result.name}: ${f} in the tarball`);
      }
      assert.deepEqual(
        files.filter((f) => !f.startsWith('dist/') && !['LICENSE', 'README.md', 'package.json'].includes(f)),
        [],
        `${result.name}: nothing but dist/, LICENSE, README.md and package.json`,
      );
      assert.equal(
        readFileSync(join(ROOT, 'packages', dir, 'LICENSE'), 'utf8'),
        license,
        `${dir}: root LICENSE`,
      );
      const manifest = readJson<Manifest>(join(ROOT, 'packages', dir, 'package.json'));
      assert.equal(manifest.license, root.license);
      assert.equal(manifest.repository?.url, root.repository?.url, `${dir}: the root's repository`);
      assert.equal(manifest.repository?.directory, `packages/${dir}`);
      assert.match(manifest.homepage ?? '', /^https:\/\//);
      for (const [path, target] of Object.entries(manifest.exports ?? {})) {
        if (path === './package.json') continue;
        assert.ok(typeof target === 'object' && target.types && target.default, `${dir} ${path}: types`);
        assert.ok(
          files.includes(target.types.replace(/^\.\//, '')),
          `${dir} ${path}: ${target.types} packed`,
        );
        assert.ok(
          files.includes(target.default.replace(/^\.\//, '')),
          `${dir} ${path}: ${target.default} packed`,
        );
      }
      const readme = readFileSync(join(ROOT, 'packages', dir, 'README.md'), 'utf8');
      assert.match(
        readme,
        /npm install \/tmp\/tollgate-[a-z]+-\d+\.\d+\.\d+\.tgz/,
        `${dir}: README says how to install`,
      );
      assert.match(readme, /```(js|ts|sh)\n[\s\S]*import|npx tollgate-loadtest/, `${dir}: README example`);
    }
  });

  it('installs with npm install <tgz>, type-checks, and works against tollgate', async () => {
    rmSync(app, { recursive: true, force: true });
    mkdirSync(app);
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'packed-smoke', version: '1.0.0', private: true, type: 'module' }),
    );
    const tarballs = [...packed.values()].map((p) => join(work, p.filename));
    await npm(['install', '--prefer-offline', ...tarballs], app);

    // Types: every export resolves with its declarations, as a TypeScript user compiles.
    writeFileSync(join(app, 'types.ts'), TYPES);
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const typecheck = await run(
      process.execPath,
      [
        tsc,
        '--noEmit',
        '--strict',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--target',
        'es2022',
        '--skipLibCheck',
        '--typeRoots',
        join(ROOT, 'node_modules/@types'),
        '--types',
        'node',
        'types.ts',
      ],
      { cwd: app, timeout: 120_000 },
    ).catch((err: Error & { stdout?: string }) => ({ stdout: `tsc failed:\n${err.stdout ?? err.message}` }));
    assert.equal(typecheck.stdout, '', typecheck.stdout);

    writeFileSync(join(app, 'smoke.mjs'), SMOKE);
    const smoke = await run(process.execPath, ['smoke.mjs'], {
      cwd: app,
      timeout: 60_000,
      env: {
        ...process.env,
        TOLLGATE_URL: tollgate.target as string, // listening: a URL
        CLIENT_ID: introspection.id,
        CLIENT_SECRET: introspection.secret,
      },
    });
    assert.match(smoke.stdout, /smoke ok/);

    const bin = await run(join(app, 'node_modules/.bin/tollgate-loadtest'), ['--help'], { cwd: app });
    assert.match(bin.stdout, /^Usage: tollgate-loadtest/);
  });
});
