/**
 * Starts a real PostgreSQL (Debian's binaries: initdb + pg_ctl) on a free loopback port
 * in a temp dir, trust-authenticated, fsync off (tests do not survive power cuts; a killed
 * server keeps every commit, as commits still reach the WAL before they are acknowledged). As
 * root the server runs as the `postgres` user, since PostgreSQL refuses to run as root.
 * `stop()` stops it and removes the dir; `kill()`/`restart()` simulate an outage.
 */
import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports.js';

const run = promisify(execFile);

export interface PostgresHandle {
  readonly port: number;
  readonly dir: string;
  readonly dataDir: string;
  /** postgres://postgres@127.0.0.1:<port>/tollgate */
  readonly url: string;
  /** A fresh database on this server (for tests that want an empty one). */
  createDatabase(name: string): Promise<string>;
  /** Runs SQL through psql; returns stdout. */
  psql(sql: string, database?: string): Promise<string>;
  stop(): Promise<void>;
  /** Immediate shutdown (connections are cut), keeping the data. */
  kill(): Promise<void>;
  restart(): Promise<void>;
}

function binDir(): string {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(root, versions[0], 'bin');
  }
  throw new Error('PostgreSQL server binaries not found (Debian: apt-get install postgresql)');
}

const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const owner = asRoot ? Number(execFileSync('id', ['-u', 'postgres']).toString().trim()) : undefined;
const ownerGid = asRoot ? Number(execFileSync('id', ['-g', 'postgres']).toString().trim()) : undefined;

/** Runs a server binary, as the postgres user when we are root. */
function pgCommand(bin: string, args: string[]): [string, string[]] {
  return asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
}

/**
 * A server's own directory (owned by postgres when we are root), port, and the commands
 * that act on it: a server binary, starting it, psql against one of its databases.
 */
async function serverPlace(prefix: string) {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const data = join(dir, 'data');
  if (asRoot) chownSync(dir, owner!, ownerGid!);
  const port = await freePort();
  const exec = async (name: string, args: string[], timeout = 60_000): Promise<string> => {
    const [cmd, argv] = pgCommand(join(bin, name), args);
    const { stdout } = await run(cmd, argv, { timeout });
    return stdout;
  };
  const options = `-c listen_addresses=127.0.0.1 -c port=${port} -c fsync=off -c full_page_writes=off -c unix_socket_directories=${dir} -c max_connections=200`;
  const start = (): Promise<string> =>
    exec('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'server.log'), '-w', '-t', '30', 'start']);
  const base = `postgres://postgres@127.0.0.1:${port}`;
  const psql = async (sql: string, database = 'postgres'): Promise<string> => {
    const { stdout } = await run(
      join(bin, 'psql'),
      ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-c', sql, `${base}/${database}`],
      {
        timeout: 30_000,
      },
    );
    return stdout.trim();
  };
  return { dir, data, port, exec, start, base, psql };
}

export async function startPostgres(): Promise<PostgresHandle> {
  const { dir, data, port, exec, start, base, psql } = await serverPlace('tollgate-pg-');
  await exec('initdb', [
    '-D',
    data,
    '-U',
    'postgres',
    '-A',
    'trust',
    '-E',
    'UTF8',
    '--no-locale',
    '--no-sync',
  ]);
  await start();
  await psql('CREATE DATABASE tollgate');
  const stopServer = async (mode: 'fast' | 'immediate'): Promise<void> => {
    await exec('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '30', 'stop']).catch(() => undefined);
  };
  return {
    port,
    dir,
    dataDir: data,
    url: `${base}/tollgate`,
    async createDatabase(name: string) {
      await psql(`CREATE DATABASE "${name}"`);
      return `${base}/${name}`;
    },
    psql,
    async stop() {
      await stopServer('fast');
      rmSync(dir, { recursive: true, force: true });
    },
    kill: () => stopServer('immediate'),
    async restart() {
      await stopServer('immediate');
      await start();
    },
  };
}

export interface StandbyHandle {
  readonly port: number;
  /** Same database name as the primary's `url`, on the standby. */
  readonly url: string;
  psql(sql: string, database?: string): Promise<string>;
  /** `pg_ctl promote`: the standby becomes a read-write primary (waits until it is). */
  promote(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A streaming standby of `primary` on loopback: `pg_basebackup -R` (which writes
 * standby.signal and primary_conninfo), then pg_ctl start on its own port. With
 * `synchronous`, the primary waits for the standby to flush every commit
 * (`synchronous_standby_names = '*'`, `synchronous_commit = on`) before acknowledging it.
 */
export async function startStandby(primary: PostgresHandle, synchronous = true): Promise<StandbyHandle> {
  const { dir, data, port, exec, start, base, psql } = await serverPlace('tollgate-pg-standby-');
  await exec('pg_basebackup', [
    '-h',
    '127.0.0.1',
    '-p',
    String(primary.port),
    '-U',
    'postgres',
    '-D',
    data,
    '-R',
    '-X',
    'stream',
    '-c',
    'fast',
    '--no-sync',
  ]);
  await start();
  if (synchronous) {
    await primary.psql("ALTER SYSTEM SET synchronous_standby_names = '*'");
    await primary.psql('ALTER SYSTEM SET synchronous_commit = on');
    await primary.psql('SELECT pg_reload_conf()');
    for (let i = 0; ; i++) {
      const state = await primary.psql('SELECT sync_state FROM pg_stat_replication');
      if (state.split('\n').includes('sync')) break;
      if (i > 300) throw new Error(`the standby did not become synchronous (${state})`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    port,
    url: `${base}/${new URL(primary.url).pathname.slice(1)}`,
    psql,
    async promote() {
      await exec('pg_ctl', ['-D', data, '-w', '-t', '30', 'promote']);
    },
    async stop() {
      await exec('pg_ctl', ['-D', data, '-m', 'immediate', '-w', '-t', '30', 'stop']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let shared: Promise<PostgresHandle> | undefined;
let databases = 0;

/**
 * A fresh, empty database on a PostgreSQL started once per test process (and stopped
 * when the process exits): for tests that need PostgreSQL but not their own server.
 */
export async function postgresDatabase(): Promise<string> {
  if (!shared) {
    shared = startPostgres();
    const handle = await shared;
    process.once('exit', () => {
      // Synchronous on purpose: 'exit' handlers cannot wait.
      try {
        const [cmd, argv] = pgCommand(join(binDir(), 'pg_ctl'), [
          '-D',
          handle.dataDir,
          '-m',
          'immediate',
          'stop',
        ]);
        execFileSync(cmd, argv, { stdio: 'ignore', timeout: 10_000 });
      } catch {
        /* already gone */
      }
      rmSync(handle.dir, { recursive: true, force: true });
    });
  }
  const handle = await shared;
  return handle.createDatabase(`t_${process.pid}_${++databases}`);
}
