/**
 * Starts a real `redis-server` from PATH on a free loopback port with a temp dir.
 * Tests own the process: `stop()` kills it by PID and removes the dir. `pause()` /
 * `resume()` send SIGSTOP / SIGCONT to simulate a frozen server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

export interface RedisServerOptions {
  password?: string;
  port?: number;
  extraArgs?: string[];
}

export interface RedisServerHandle {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  readonly pid: number | undefined;
  stop(): Promise<void>;
  /** Kills (SIGKILL) the server without cleanup of the dir, to simulate a crash. */
  kill(): Promise<void>;
  /** Starts it again on the same port (after kill/stop). */
  restart(): Promise<void>;
  pause(): void;
  resume(): void;
  /** Runs a command through redis-cli and returns its stdout. */
  cli(...args: string[]): Promise<string>;
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection({ host: '127.0.0.1', port });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline)
      throw new Error(`redis-server did not listen on ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function startRedis(options: RedisServerOptions = {}): Promise<RedisServerHandle> {
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-redis-'));
  let child: ChildProcess | undefined;

  const launch = async (): Promise<void> => {
    const args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
      '--logfile',
      join(dir, 'redis.log'),
      ...(options.password ? ['--requirepass', options.password] : []),
      ...(options.extraArgs ?? []),
    ];
    child = spawn('redis-server', args, { stdio: 'ignore' });
    const exited = new Promise<never>((_, reject) => {
      child!.once('exit', (code) => reject(new Error(`redis-server exited early with code ${code}`)));
    });
    await Promise.race([waitForPort(port, 10_000), exited]);
    exited.catch(() => undefined);
  };

  const waitExit = async (signal: NodeJS.Signals): Promise<void> => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      try {
        c.kill('SIGCONT');
      } catch {
        /* already gone */
      }
      c.kill(signal);
    });
  };

  await launch();

  const handle: RedisServerHandle = {
    port,
    url: options.password ? `redis://:${options.password}@127.0.0.1:${port}` : `redis://127.0.0.1:${port}`,
    dir,
    get pid() {
      return child?.pid;
    },
    async stop() {
      await waitExit('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
    async kill() {
      await waitExit('SIGKILL');
    },
    async restart() {
      await waitExit('SIGKILL');
      await launch();
    },
    pause() {
      child?.kill('SIGSTOP');
    },
    resume() {
      child?.kill('SIGCONT');
    },
    async cli(...args: string[]) {
      const { execFile } = await import('node:child_process');
      return new Promise<string>((resolve, reject) => {
        execFile(
          'redis-cli',
          [
            '-p',
            String(port),
            ...(options.password ? ['-a', options.password, '--no-auth-warning'] : []),
            ...args,
          ],
          { timeout: 5000 },
          (err, stdout) =>
            err ? reject(new Error(`redis-cli failed: ${err.message}`)) : resolve(stdout.trim()),
        );
      });
    },
  };
  return handle;
}
