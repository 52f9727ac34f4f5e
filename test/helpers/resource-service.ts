/**
 * Runs a resource server as its own process, the way a team would run theirs: the
 * example service of `@tollgate/verify` (packages/verify/examples/orders-service.ts, in
 * `introspect` or `redis` mode, importing the package by name, so `npm run build`
 * first), or another script configured the same way (PORT, HOST, LOG_LEVEL) with a
 * public `GET /health`. `start` picks a free port and waits (bounded) until /health
 * answers; `stop` sends SIGTERM, then SIGKILL after a bound, to this process only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { withTimeout } from '../../src/util/timeout.js';
import { getJson } from './http.js';
import { freePort } from './ports.js';
import { waitFor } from './wait.js';

const ROOT = resolve(import.meta.dirname, '../..');
export const ORDERS_SERVICE = resolve(ROOT, 'packages/verify/examples/orders-service.ts');

export interface ResourceService {
  readonly url: string;
  readonly pid: number;
  output(): string;
  stop(): Promise<void>;
}

export interface ResourceServiceOptions {
  /** The script to run with `node --import tsx`. Default: the orders example service. */
  script?: string;
  /** PORT, HOST and PATH are set; LOG_LEVEL defaults to warn. */
  env: Record<string, string>;
  timeoutMs?: number;
}

/** Output kept for error messages, at most. */
const MAX_OUTPUT = 64 * 1024;

export async function startResourceService(options: ResourceServiceOptions): Promise<ResourceService> {
  if (!existsSync(resolve(ROOT, 'packages/verify/dist/index.js'))) {
    throw new Error('packages/verify/dist is missing: run `npm run build` first');
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', options.script ?? ORDERS_SERVICE], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      LOG_LEVEL: 'warn',
      ...options.env,
      PORT: String(port),
      HOST: '127.0.0.1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: string): void => {
    out = (out + d).slice(-MAX_OUTPUT);
  };
  child.stdout!.setEncoding('utf8').on('data', keep);
  child.stderr!.setEncoding('utf8').on('data', keep);
  let gone = false;
  const exited = new Promise<void>((done) =>
    child.once('exit', () => {
      gone = true;
      done();
    }),
  );
  const stop = async (): Promise<void> => {
    if (gone) return;
    child.kill('SIGTERM');
    await withTimeout(exited, 5000, () => new Error('no exit')).catch(async () => {
      child.kill('SIGKILL');
      await withTimeout(exited, 5000, () => new Error(`resource service ${child.pid} did not exit`));
    });
  };
  try {
    await waitFor(
      async () => {
        if (gone) throw new Error(`the service exited before listening:\n${out.slice(-3000)}`);
        return (await getJson(url, '/health').catch(() => undefined))?.status === 200;
      },
      { timeoutMs: options.timeoutMs ?? 30_000, intervalMs: 100, what: `the service on ${url}` },
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${out.slice(-3000)}`);
    });
    return { url, pid: child.pid!, output: () => out, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The environment of the orders example service for one mode. */
export function ordersServiceEnv(
  mode: 'introspect' | 'redis',
  settings: {
    tollgateUrl: string;
    /** tollgate's issuer (its PUBLIC_URL, the metadata's `issuer`). */
    issuer: string;
    audience: string;
    clientId?: string;
    clientSecret?: string;
    redisUrl?: string;
  },
): Record<string, string> {
  return {
    TOLLGATE_URL: settings.tollgateUrl,
    TOLLGATE_ISSUER: settings.issuer,
    TOLLGATE_AUDIENCE: settings.audience,
    VERIFY_MODE: mode,
    ...(mode === 'introspect'
      ? {
          INTROSPECTION_CLIENT_ID: settings.clientId ?? '',
          INTROSPECTION_CLIENT_SECRET: settings.clientSecret ?? '',
        }
      : { REDIS_URL: settings.redisUrl ?? '' }),
  };
}
