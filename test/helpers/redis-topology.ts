/**
 * Sentinel and Cluster topologies from the same Debian binaries as redis-server.ts:
 * every process on a free loopback port with a temp dir, stopped by PID in `stop()`.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './ports.js';
import { startRedis, type RedisServerHandle } from './redis-server.js';

function run(cmd: string, args: string[], timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs }, (err, stdout, stderr) =>
      err ? reject(new Error(`${cmd} ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout.trim()),
    );
  });
}

async function until(what: string, ms: number, fn: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await fn().catch(() => false)) return;
    await sleep(50);
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

export interface SentinelHandle {
  readonly master: RedisServerHandle;
  /** Present when started with `{ replica: true }`. */
  readonly replica: RedisServerHandle | undefined;
  readonly sentinelPort: number;
  readonly masterName: string;
  /** Runs a sentinel command through redis-cli. */
  sentinel(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

/** One master (optionally one replica) and one sentinel monitoring it (quorum 1). */
export async function startSentinel(
  masterName = 'mymaster',
  options: { replica?: boolean } = {},
): Promise<SentinelHandle> {
  const master = await startRedis();
  const replica = options.replica
    ? await startRedis({ extraArgs: ['--replicaof', '127.0.0.1', String(master.port)] })
    : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-sentinel-'));
  const sentinelPort = await freePort();
  const conf = join(dir, 'sentinel.conf');
  writeFileSync(
    conf,
    [
      `port ${sentinelPort}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `logfile ${join(dir, 'sentinel.log')}`,
      `sentinel monitor ${masterName} 127.0.0.1 ${master.port} 1`,
      `sentinel down-after-milliseconds ${masterName} 1000`,
      '',
    ].join('\n'),
  );
  let child: ChildProcess | undefined = spawn('redis-sentinel', [conf], { stdio: 'ignore' });
  const stop = async () => {
    const c = child;
    child = undefined;
    if (c && c.exitCode === null && c.signalCode === null) {
      await new Promise<void>((resolve) => {
        c.once('exit', () => resolve());
        c.kill('SIGKILL');
      });
    }
    rmSync(dir, { recursive: true, force: true });
    await master.stop();
    await replica?.stop();
  };
  const sentinel = (...args: string[]) => run('redis-cli', ['-p', String(sentinelPort), ...args]);
  try {
    await until('sentinel to know the master', 10_000, async () => {
      const out = await run('redis-cli', [
        '-p',
        String(sentinelPort),
        'SENTINEL',
        'get-master-addr-by-name',
        masterName,
      ]);
      return out.includes(String(master.port));
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { master, replica, sentinelPort, masterName, sentinel, stop };
}

export interface ClusterHandle {
  readonly nodes: readonly RedisServerHandle[];
  stop(): Promise<void>;
}

/** A 3-master cluster without replicas. */
export async function startCluster(size = 3): Promise<ClusterHandle> {
  const nodes: RedisServerHandle[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  };
  try {
    for (let i = 0; i < size; i++) {
      nodes.push(
        await startRedis({
          extraArgs: [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            'nodes.conf',
            '--cluster-node-timeout',
            '2000',
          ],
        }),
      );
    }
    await run('redis-cli', [
      '--cluster',
      'create',
      ...nodes.map((n) => `127.0.0.1:${n.port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    await until('cluster_state:ok', 15_000, async () => {
      const infos = await Promise.all(nodes.map((n) => n.cli('CLUSTER', 'INFO')));
      return infos.every((i) => i.includes('cluster_state:ok'));
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { nodes, stop };
}
