/**
 * Runs the BUILT CLI (`node dist/src/cli.js serve`) as a child process for e2e and
 * integration tests: free loopback port, temp cwd and VAR_DIR (so no `.env` of the
 * repo is read), LOG_LEVEL warn, output captured. `start` waits (bounded) until
 * /health/ready answers 200 and, when asked, until every worker serves. `stop` sends
 * SIGTERM and SIGKILLs the process (and its workers) after a bound. Also small HTTP
 * helpers, including requests on a fresh connection (each one may land on another
 * worker).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client, request } from 'undici';
import { freePort } from './ports.js';

export const CLI = resolve(import.meta.dirname, '../../dist/src/cli.js');

export interface TollgateOptions {
  /** Extra environment (REDIS_URL, WORKERS, ...). PORT/HOST/LOG_LEVEL/VAR_DIR have defaults. */
  env?: Record<string, string>;
  /** Wait until /health/ready is 200 (default true). */
  waitReady?: boolean;
  /** Also wait until /health/redis lists this many workers. */
  expectWorkers?: number;
  /** Bearer token for ops endpoints (when OPS_TOKEN is set). */
  opsToken?: string;
  readyTimeoutMs?: number;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface TollgateProcess {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly dir: string;
  readonly exited: Promise<ExitStatus>;
  /** Captured output so far. */
  stdout(): string;
  stderr(): string;
  /** Exit status once exited, else undefined. */
  exitStatus(): ExitStatus | undefined;
  /** SIGTERM, then SIGKILL (process and children) after `timeoutMs`; removes the temp dir. */
  stop(timeoutMs?: number): Promise<ExitStatus>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Rejects after `ms` with `what` in the message. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function childPids(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8', timeout: 2000 })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    /* already gone */
  }
}

export async function startTollgate(options: TollgateOptions = {}): Promise<TollgateProcess> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-proc-'));
  const port = options.env?.PORT ? Number(options.env.PORT) : await freePort();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    DEPLOYMENT_ENV: 'development',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    VAR_DIR: join(dir, 'var'),
    ...options.env,
    PORT: String(port),
  };
  const child: ChildProcess = spawn(process.execPath, [CLI, 'serve'], {
    cwd: dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  let status: ExitStatus | undefined;
  const exited = new Promise<ExitStatus>((resolveExit) => {
    child.once('exit', (code, signal) => {
      status = { code, signal };
      resolveExit(status);
    });
  });
  const pid = child.pid!;
  const url = `http://127.0.0.1:${port}`;

  const stop = async (timeoutMs = 15_000): Promise<ExitStatus> => {
    if (!status) {
      const children = childPids(pid);
      killQuietly(pid, 'SIGTERM');
      const done = await withTimeout(exited, timeoutMs, 'drain').catch(() => undefined);
      if (!done) {
        for (const c of [...children, ...childPids(pid)]) killQuietly(c, 'SIGKILL');
        killQuietly(pid, 'SIGKILL');
        await withTimeout(exited, 5000, `tollgate ${pid} exit after SIGKILL`);
      }
    }
    rmSync(dir, { recursive: true, force: true });
    return status!;
  };

  const handle: TollgateProcess = {
    url,
    port,
    pid,
    dir,
    exited,
    stdout: () => out,
    stderr: () => err,
    exitStatus: () => status,
    stop,
  };

  if (options.waitReady === false) return handle;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  const headers: Record<string, string> = options.opsToken
    ? { authorization: `Bearer ${options.opsToken}` }
    : {};
  try {
    for (;;) {
      if (status) {
        throw new Error(
          `tollgate exited (${JSON.stringify(status)}) before it was ready:\n${out.slice(-3000)}\n${err.slice(-3000)}`,
        );
      }
      if (Date.now() > deadline)
        throw new Error(
          `tollgate was not ready within the timeout:\n${out.slice(-3000)}\n${err.slice(-3000)}`,
        );
      const ready = await getJson(url, '/health/ready', headers).catch(() => undefined);
      if (ready?.status === 200) {
        if (!options.expectWorkers) break;
        const pools = await getJson(url, '/health/redis', headers).catch(() => undefined);
        const workers = (pools?.body as { pool?: { workers?: number } } | undefined)?.pool?.workers;
        if (workers === options.expectWorkers) break;
      }
      await sleep(100);
    }
  } catch (e) {
    await stop(5000);
    throw e;
  }
  return handle;
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export interface CallOptions {
  body?: unknown;
  token?: string;
  headers?: Record<string, string>;
  /** Use a new TCP connection for this request only (closed afterwards). */
  fresh?: boolean;
  /** Bind the client side of a fresh connection to this loopback address (e.g. 127.0.0.2). */
  localAddress?: string;
  timeoutMs?: number;
}

/** One HTTP request; JSON in and out. Every request is bounded by `timeoutMs` (default 10 s). */
export async function call(
  baseUrl: string,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<HttpResult> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let payload: string | undefined;
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(options.body);
  }
  const timeout = options.timeoutMs ?? 10_000;
  const client =
    options.fresh || options.localAddress
      ? new Client(baseUrl, {
          pipelining: 0,
          ...(options.localAddress ? { localAddress: options.localAddress } : {}),
        })
      : undefined;
  try {
    const res = await request(new URL(path, baseUrl), {
      method: method as 'GET',
      headers,
      body: payload,
      headersTimeout: timeout,
      bodyTimeout: timeout,
      ...(client ? { dispatcher: client } : {}),
    });
    const text = await res.body.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* not JSON (e.g. /metrics) */
    }
    return { status: res.statusCode, headers: res.headers, body };
  } finally {
    await client?.destroy();
  }
}

export function getJson(
  baseUrl: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<HttpResult> {
  return call(baseUrl, 'GET', path, { headers, fresh: true, timeoutMs: 3000 });
}

export interface TokenPair {
  access_token: string;
  refresh_token: string;
}

/** Registers (201 or 409 accepted) a user. */
export async function register(baseUrl: string, email: string, password: string): Promise<void> {
  const res = await call(baseUrl, 'POST', '/auth/register', { body: { email, password }, fresh: true });
  if (res.status !== 201 && res.status !== 409)
    throw new Error(`register ${email}: ${res.status} ${JSON.stringify(res.body)}`);
}

export async function login(
  baseUrl: string,
  email: string,
  password: string,
  fresh = true,
): Promise<TokenPair> {
  const res = await call(baseUrl, 'POST', '/auth/login', { body: { email, password }, fresh });
  if (res.status !== 200) throw new Error(`login ${email}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as TokenPair;
}

/** Runs `task(i, lane)` for i in [0, count) on `concurrency` sequential lanes (lane is stable per runner). */
export async function inLanes(
  count: number,
  concurrency: number,
  task: (i: number, lane: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async (_, lane) => {
      for (;;) {
        const i = next++;
        if (i >= count) return;
        await task(i, lane);
      }
    }),
  );
}
