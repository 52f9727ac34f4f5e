/**
 * Runs the BUILT CLI (`node dist/src/cli.js serve`) as a child process for e2e and
 * integration tests: free loopback port, temp cwd and VAR_DIR (so no `.env` of the
 * repo is read), LOG_LEVEL warn, output captured. `start` waits (bounded) until
 * /health/ready answers 200 and, when asked, until every worker serves. `stop` sends
 * SIGTERM and SIGKILLs the process (and its workers) after a bound.
 * Requests go through test/helpers/http.ts (`fresh: true` makes each one land on a
 * possibly different worker).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { withTimeout } from '../../src/util/timeout.js';
import { getJson } from './http.js';
import { freePort } from './ports.js';
import { postgresDatabase } from './postgres-server.js';

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
  /** Another build's `cli.js` (benchmarks comparing builds); default: this checkout's. */
  cli?: string;
  /** Node options before the script (e.g. `--cpu-prof`). */
  nodeArgs?: string[];
  /** Pin the service (and its workers) to these CPUs (`taskset -c`, e.g. "0"). */
  cpus?: string;
  /**
   * Start the service in a session of its own (setsid), as a service manager would: with
   * the kernel's autogroups its threads then share the CPU among themselves (nice values
   * weigh them against each other only), not with this test process's session.
   */
  ownSession?: boolean;
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

/** The direct children of a process (the workers of a primary). */
export function childPids(pid: number): number[] {
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
  const cli = options.cli ?? CLI;
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first`);
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-proc-'));
  const port = options.env?.PORT ? Number(options.env.PORT) : await freePort();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    DEPLOYMENT_ENV: 'development',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    VAR_DIR: join(dir, 'var'),
    // Tests and benchmarks register and sign in many users from one address.
    REGISTER_MAX_PER_IP: '100000',
    PASSKEY_OPTIONS_MAX_PER_IP: '100000',
    ...options.env,
    PORT: String(port),
  };
  // More than one worker needs PostgreSQL for the accounts: a fresh database unless given.
  const workers = env.WORKERS;
  if (workers !== undefined && workers !== '1' && env.DATABASE_URL === undefined) {
    env.DATABASE_URL = await postgresDatabase();
  }
  // taskset execs the service: the child's PID is the service's.
  const nodeArgv = [...(options.nodeArgs ?? []), cli, 'serve'];
  const [command, argv] = options.cpus
    ? ['taskset', ['-c', options.cpus, process.execPath, ...nodeArgv]]
    : [process.execPath, nodeArgv];
  const child: ChildProcess = spawn(command, argv, {
    cwd: dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.ownSession ?? false,
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
      const done = await withTimeout(exited, timeoutMs, () => new Error('drain timed out')).catch(
        () => undefined,
      );
      if (!done) {
        for (const c of [...children, ...childPids(pid)]) killQuietly(c, 'SIGKILL');
        killQuietly(pid, 'SIGKILL');
        await withTimeout(exited, 5000, () => new Error(`tollgate ${pid} did not exit after SIGKILL`));
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
