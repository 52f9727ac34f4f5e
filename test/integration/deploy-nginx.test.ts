/**
 * deploy/nginx/tollgate.conf as shipped, under Debian's nginx: `nginx -t` accepts it
 * (only the compose service names of the upstream are replaced by loopback addresses, as
 * nginx resolves them while checking), and a running nginx with it logs to stdout and
 * carries one X-Request-Id from the client to the upstream and back, nginx's own errors
 * included.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { call } from '../helpers/http.js';
import { freePort } from '../helpers/ports.js';
import { waitFor, within } from '../helpers/wait.js';

const NGINX = '/usr/sbin/nginx';
const SHIPPED = resolve(import.meta.dirname, '../../deploy/nginx/tollgate.conf');
const UPSTREAM = /(\n\s*server\s+)tollgate-\d+:8000\b/g;

/** The shipped site with each upstream service name replaced by a loopback address. */
function site(upstreamPorts: number[], listenPort?: number): string {
  let i = 0;
  let text = readFileSync(SHIPPED, 'utf8').replace(
    UPSTREAM,
    (_m, lead: string) => `${lead}127.0.0.1:${upstreamPorts[i++]}`,
  );
  assert.equal(i, upstreamPorts.length, 'one upstream server per compose instance');
  if (listenPort !== undefined) {
    const before = text;
    text = text.replace(/listen\s+80\s*;/, `listen 127.0.0.1:${listenPort};`);
    assert.notEqual(text, before, 'the site listens on port 80');
  }
  return text;
}

/** A main nginx.conf (as a distribution ships one) that includes the site file. */
function mainConf(dir: string, siteFile: string): string {
  return [
    'worker_processes 1;',
    'events { worker_connections 256; }',
    'http {',
    `  client_body_temp_path ${dir}/client_body;`,
    `  proxy_temp_path ${dir}/proxy;`,
    `  fastcgi_temp_path ${dir}/fastcgi;`,
    `  uwsgi_temp_path ${dir}/uwsgi;`,
    `  scgi_temp_path ${dir}/scgi;`,
    `  include ${siteFile};`,
    '}',
    '',
  ].join('\n');
}

function writeConf(siteText: string): { dir: string; conf: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-nginx-t-'));
  chmodSync(dir, 0o755);
  const siteFile = join(dir, 'tollgate.conf');
  writeFileSync(siteFile, siteText);
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, mainConf(dir, siteFile));
  return { dir, conf };
}

function nginxArgs(dir: string, conf: string): string[] {
  return ['-e', 'stderr', '-p', dir, '-c', conf, '-g', `pid ${dir}/nginx.pid;`];
}

function nginxTest(siteText: string): { status: number | null; output: string } {
  const { dir, conf } = writeConf(siteText);
  // nginx opens the log files while checking; /dev/stdout must not be a socket (see below).
  const out = openSync(join(dir, 'stdout'), 'a');
  try {
    const r = spawnSync(NGINX, ['-t', ...nginxArgs(dir, conf)], {
      encoding: 'utf8',
      timeout: 10_000,
      stdio: ['ignore', out, 'pipe'],
    });
    return { status: r.status, output: r.stderr };
  } finally {
    closeSync(out);
    rmSync(dir, { recursive: true, force: true });
  }
}

const skip = !existsSync(NGINX) && `${NGINX} is not installed`;

describe('deploy/nginx/tollgate.conf: nginx -t', { skip, timeout: 30_000 }, () => {
  it('accepts the shipped config', () => {
    const r = nginxTest(site([8001, 8002]));
    assert.equal(r.status, 0, r.output);
    assert.match(r.output, /test is successful/);
  });

  it('the same check refuses a broken config', () => {
    const broken = site([8001, 8002]).replace('client_max_body_size 16k;', 'client_max_body_size sixteen;');
    const r = nginxTest(broken);
    assert.notEqual(r.status, 0);
    assert.match(r.output, /client_max_body_size/);
  });

  it('names exactly the upstreams of the compose file', () => {
    const compose = readFileSync(resolve(import.meta.dirname, '../../deploy/docker-compose.yml'), 'utf8');
    const names = [...readFileSync(SHIPPED, 'utf8').matchAll(/\n\s*server\s+(tollgate-\d+):8000\b/g)].map(
      (m) => m[1]!,
    );
    assert.deepEqual(names, ['tollgate-1', 'tollgate-2']);
    for (const n of names) assert.match(compose, new RegExp(`\\n  ${n}:\\n`), `${n} is a compose service`);
  });
});

interface Seen {
  headers: IncomingHttpHeaders;
}

/** An upstream that records what nginx sent and answers 200 with an X-Request-Id of its own. */
async function echoUpstream(seen: Seen[]): Promise<{ port: number; server: Server }> {
  const server = createServer((req, res) => {
    seen.push({ headers: req.headers });
    res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'from-upstream' });
    res.end('{"ok":true}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as { port: number }).port, server };
}

describe('deploy/nginx/tollgate.conf: running', { skip, timeout: 60_000 }, () => {
  const seen: Seen[] = [];
  let upstreams: Array<{ port: number; server: Server }>;
  let nginx: ChildProcess;
  let exited: Promise<void>;
  let dir: string;
  let url: string;
  let stderr = '';
  /** nginx's stdout is a file: nginx opens /dev/stdout by path, which a socket refuses. */
  let stdoutFile: string;
  const stdout = (): string => readFileSync(stdoutFile, 'utf8');

  before(async () => {
    upstreams = [await echoUpstream(seen), await echoUpstream(seen)];
    const port = await freePort();
    ({ dir } = writeConf(
      site(
        upstreams.map((u) => u.port),
        port,
      ),
    ));
    stdoutFile = join(dir, 'stdout');
    const fd = openSync(stdoutFile, 'a');
    try {
      nginx = spawn(NGINX, nginxArgs(dir, join(dir, 'nginx.conf')).concat(['-g', 'daemon off;']), {
        stdio: ['ignore', fd, 'pipe'],
      });
    } finally {
      closeSync(fd);
    }
    nginx.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    exited = new Promise((r) => nginx.once('exit', () => r()));
    url = `http://127.0.0.1:${port}`;
    await waitFor(
      async () => {
        if (nginx.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
        return (await call(url, 'GET', '/health/live', { fresh: true, timeoutMs: 1000 })).status === 200;
      },
      { timeoutMs: 10_000, intervalMs: 100, what: 'nginx to answer' },
    );
  });

  after(async () => {
    if (nginx && nginx.exitCode === null && nginx.signalCode === null) {
      nginx.kill('SIGTERM');
      await within(exited, 5000, 'nginx to stop').catch(() => nginx.kill('SIGKILL'));
    }
    for (const u of upstreams ?? []) {
      u.server.close();
      u.server.closeAllConnections();
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** One request through nginx: what the client got and what the upstream was sent. */
  async function through(headers: Record<string, string> = {}, path = '/api/protected') {
    const n = seen.length;
    const res = await call(url, 'GET', path, { headers, fresh: true, timeoutMs: 5000 });
    // A repeated header would arrive as an array and fail the comparisons below.
    return { res, sent: seen.slice(n).map((s) => String(s.headers['x-request-id'])) };
  }

  it('passes a valid client id upstream, returns it once and logs it on stdout', async () => {
    const { res, sent } = await through({ 'x-request-id': 'client-id-0001' });
    assert.equal(res.status, 200);
    assert.deepEqual(sent, ['client-id-0001']);
    // nginx drops the upstream's copy and adds its own: one header, the same id.
    assert.equal(res.headers['x-request-id'], 'client-id-0001');
    await waitFor(() => stdout().includes('rid=client-id-0001'), {
      timeoutMs: 5000,
      what: 'the access-log line on stdout',
    });
    assert.match(stdout(), /"GET \/api\/protected HTTP\/1\.1" 200 .* rid=client-id-0001/);
  });

  it('makes one when the client sent none, the same upstream and back', async () => {
    const { res, sent } = await through();
    assert.equal(sent.length, 1);
    assert.match(sent[0]!, /^[0-9a-f]{32}$/);
    assert.equal(res.headers['x-request-id'], sent[0]);
  });

  it('replaces an id tollgate would refuse (space, over 128 characters)', async () => {
    for (const bad of ['two words', 'x'.repeat(129)]) {
      const { res, sent } = await through({ 'x-request-id': bad });
      assert.match(sent[0]!, /^[0-9a-f]{32}$/, JSON.stringify(bad.slice(0, 12)));
      assert.equal(res.headers['x-request-id'], sent[0]);
    }
  });

  it('sends the ops endpoints the id too (loopback client)', async () => {
    const { res, sent } = await through({ 'x-request-id': 'ops-id-1' }, '/metrics');
    assert.equal(res.status, 200);
    assert.deepEqual(sent, ['ops-id-1']);
  });

  it("puts the id on nginx's own 502 when no instance answers", async () => {
    await Promise.all(
      upstreams.map(
        (u) =>
          new Promise<void>((r) => {
            u.server.close(() => r());
            u.server.closeAllConnections(); // nginx's idle keep-alive connections
          }),
      ),
    );
    const res = await call(url, 'GET', '/api/protected', {
      headers: { 'x-request-id': 'no-upstream-1' },
      fresh: true,
      timeoutMs: 10_000,
    });
    assert.equal(res.status, 502);
    assert.equal(res.headers['x-request-id'], 'no-upstream-1');
    await waitFor(() => /connect\(\) failed/.test(stderr), { timeoutMs: 5000, what: 'the error on stderr' });
    // stdout carries access lines only; the errors went to stderr.
    for (const line of stdout().split('\n').filter(Boolean)) assert.match(line, / rid=\S+$/);
  });
});
