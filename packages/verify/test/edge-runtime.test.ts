/**
 * `@tollgate/verify/edge` in an edge runtime: the built package (dist/, through its
 * `exports`) is bundled as a Next.js middleware would be (esbuild, platform `neutral`:
 * any Node module import fails the bundle) and run in the `edge-runtime` package's EdgeVM (Web APIs
 * only: no `require`, `process` or `Buffer`), against a JWKS and RFC 7662 endpoint on a
 * loopback port. The Node entry, which loads undici, does not bundle: the control.
 */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { EdgeRuntime as EdgeVM } from 'edge-runtime';
import { build, type BuildOptions } from 'esbuild';
import { startIssuer, type TestIssuer } from './helpers/issuer.js';

const PACKAGE_DIR = resolve(import.meta.dirname, '..');

/** What Next.js's edge bundling comes down to: Web platform, edge conditions, one script. */
const EDGE_BUNDLE: BuildOptions = {
  bundle: true,
  write: false,
  format: 'iife',
  platform: 'neutral',
  mainFields: ['module', 'main'],
  conditions: ['edge-light', 'worker', 'browser', 'import'],
  target: 'es2022',
  logLevel: 'silent',
};

async function bundle(entry: string): Promise<string> {
  const out = await build({ ...EDGE_BUNDLE, entryPoints: [entry], absWorkingDir: PACKAGE_DIR });
  return out.outputFiles![0]!.text;
}

describe('@tollgate/verify/edge in EdgeVM', () => {
  let iss: TestIssuer;
  let code: string;
  let vm: EdgeVM;

  function startVm(timeoutMs = 2000): EdgeVM {
    const config = {
      baseUrl: iss.url,
      issuer: iss.issuer,
      audience: iss.audience,
      session: { mode: 'introspect', clientId: iss.clientId, clientSecret: iss.clientSecret, timeoutMs },
    };
    const edge = new EdgeVM({
      extend: (context) => Object.assign(context, { TOLLGATE_TEST_CONFIG: config }),
    });
    edge.evaluate(code);
    return edge;
  }

  async function call(headers: Record<string, string> = {}) {
    const res = await vm.dispatchFetch('http://edge.test/api/orders', { headers });
    await res.waitUntil();
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
  }

  before(async () => {
    if (!existsSync(resolve(PACKAGE_DIR, 'dist/edge.js'))) {
      throw new Error('packages/verify/dist is missing: run `npm run build` first');
    }
    iss = await startIssuer({ issuer: 'tollgate', audience: 'orders-api' });
    code = await bundle(resolve(PACKAGE_DIR, 'test/fixtures/edge-middleware.js'));
    vm = startVm();
  });
  afterEach(() => {
    iss.behaviour.introspect = 'ok';
  });
  after(async () => {
    await iss.close();
  });

  it('the runtime is the edge one: no require, process or Buffer', () => {
    assert.equal(vm.evaluate('typeof EdgeRuntime'), 'string');
    assert.equal(
      vm.evaluate('[typeof require, typeof process, typeof Buffer].join()'),
      'undefined,undefined,undefined',
    );
  });

  it('accepts a live token, and refuses it on the next request after logout', async () => {
    const { token, sub, sid } = await iss.login();
    const ok = await call({ authorization: `Bearer ${token}` });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.deepEqual(ok.body, { user: sub, session: sid, runtime: 'string' });
    assert.ok(iss.counts.jwks >= 1 && iss.counts.introspect >= 1, 'key set and introspection were fetched');
    // The Basic credentials (a secret with `:`, `+`, `/`, `&`, `=`) were encoded as in Node.
    const sent = iss.introspections.at(-1)!;
    assert.equal(sent.contentType, 'application/x-www-form-urlencoded');

    iss.logout(sub, sid);
    const refused = await call({ authorization: `Bearer ${token}` });
    assert.equal(refused.status, 401);
    assert.equal(refused.body.error, 'invalid_token');
    assert.equal(refused.headers.get('www-authenticate'), 'Bearer error="invalid_token"');
  });

  it('refuses a missing, forged or doubled Authorization header', async () => {
    assert.equal((await call()).status, 401);
    const forged = await iss.login({ key: await iss.unpublishedKey() });
    assert.equal((await call({ authorization: `Bearer ${forged.token}` })).status, 401);
    const { token } = await iss.login();
    const doubled = await call({ authorization: `Bearer ${token}, Bearer ${token}` });
    assert.equal(doubled.status, 400);
    assert.equal(doubled.body.error, 'invalid_request');
  });

  it('fails closed: introspection that does not answer in time is a 503, never a 200', async () => {
    const short = startVm(300);
    const { token } = await iss.login();
    iss.behaviour.introspect = 'hang';
    const started = Date.now();
    const res = await short.dispatchFetch('http://edge.test/api/orders', {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(res.status, 503);
    assert.ok(Number(res.headers.get('retry-after')) >= 1);
    assert.equal(((await res.json()) as { error: string }).error, 'unavailable');
    assert.ok(Date.now() - started < 5000, 'bounded by the timeout');
  });

  it('the Node entry does not bundle for the edge (it loads undici)', async () => {
    await assert.rejects(
      build({
        ...EDGE_BUNDLE,
        stdin: { contents: "export * from '@tollgate/verify';", resolveDir: PACKAGE_DIR },
      }),
      /undici|node:/,
    );
  });
});
