/** Deployment environment, listening, processes, logs and request limits. */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { int, oneOf, text, trustProxy, type Section } from '../declare.js';
import { DEPLOYMENT_ENVS, POOL_PRESETS, type DeploymentEnv } from '../pool-presets.js';
import type { Reader } from '../reader.js';
import type { LogFormat, LogLevel, TrustProxy } from '../schema.js';

const LOOPBACK = '127.0.0.1';
const ANY_ADDRESS = '0.0.0.0';

const DEPLOYMENT_ENV = oneOf({
  name: 'DEPLOYMENT_ENV',
  allowed: DEPLOYMENT_ENVS,
  default: 'development',
  meaning:
    '`development`, `staging` or `production`: picks worker and pool defaults; production requires `JWT_PRIVATE_KEY`, `OPS_TOKEN` and Redis',
});

const HOST = text({
  name: 'HOST',
  computed: `\`${LOOPBACK}\` (production: \`${ANY_ADDRESS}\`)`,
  meaning: 'listen address',
});

const PORT = int({
  name: 'PORT',
  default: 8000,
  min: 0,
  max: 65535,
  meaning: 'listen port (`0` = any free port)',
});

const WORKERS = int({
  name: 'WORKERS',
  computed: `${DEPLOYMENT_ENVS.map((env) => POOL_PRESETS[env].workers).join(' / ')} by environment`,
  min: 1,
  max: 256,
  meaning: 'worker processes, or `auto` (one per available core); > 1 needs Redis',
});

const STANDBY_WORKERS = int({
  name: 'STANDBY_WORKERS',
  default: 1,
  min: 0,
  max: 16,
  meaning:
    "with `WORKERS` > 1: spare workers kept loaded (no connections) that take a crashed worker's place at once; `0` = none",
  details: '(a crashed worker is then started cold)',
});

const TRUST_PROXY = trustProxy({
  name: 'TRUST_PROXY',
  meaning: 'proxies whose `X-Forwarded-For` is believed: a hop count or addresses/CIDRs',
  details: '(see [Behind a proxy](#behind-a-proxy-trust_proxy))',
});

const BODY_LIMIT_BYTES = int({
  name: 'BODY_LIMIT_BYTES',
  default: 16 * 1024,
  min: 256,
  max: 10 * 1024 * 1024,
  meaning: 'larger request bodies get 413',
});

const SHUTDOWN_GRACE_SECONDS = int({
  name: 'SHUTDOWN_GRACE_SECONDS',
  default: 10,
  min: 0,
  max: 600,
  meaning: 'how long in-flight requests may take to finish on SIGTERM',
});

const VAR_DIR = text({
  name: 'VAR_DIR',
  default: './var',
  meaning: 'where the development keys are kept',
  details: '(shared by restarts and workers)',
});

const LOG_LEVEL = oneOf({
  name: 'LOG_LEVEL',
  allowed: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
  default: 'info',
  meaning: '`fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`',
  details: '(request logs only at `debug`/`trace`)',
});

const LOG_FORMAT = oneOf({
  name: 'LOG_FORMAT',
  allowed: ['auto', 'pretty', 'json'],
  default: 'auto',
  meaning: '`pretty`, `json`, or `auto` (pretty on a terminal, JSON otherwise)',
  details: '; `pretty` is one readable line per event, `json` one JSON object per line with ISO times',
});

export const SERVER: Section = {
  title: 'Process',
  variables: [
    DEPLOYMENT_ENV,
    HOST,
    PORT,
    WORKERS,
    STANDBY_WORKERS,
    TRUST_PROXY,
    BODY_LIMIT_BYTES,
    SHUTDOWN_GRACE_SECONDS,
    VAR_DIR,
    LOG_LEVEL,
    LOG_FORMAT,
  ],
};

export interface ServerSection {
  deploymentEnv: DeploymentEnv;
  production: boolean;
  host: string;
  port: number;
  workers: number;
  /** Preloaded spare workers that take a crashed worker's place (WORKERS > 1). */
  standbyWorkers: number;
  trustProxy: TrustProxy;
  logLevel: LogLevel;
  logFormat: LogFormat;
  bodyLimitBytes: number;
  varDir: string;
  shutdownGraceMs: number;
}

export function readServer(r: Reader): ServerSection {
  const deploymentEnv = DEPLOYMENT_ENV.read(r);
  const production = deploymentEnv === 'production';
  const preset = POOL_PRESETS[deploymentEnv];
  const workers =
    WORKERS.raw(r)?.toLowerCase() === 'auto' ? availableParallelism() : WORKERS.read(r, preset.workers);
  return {
    deploymentEnv,
    production,
    host: HOST.read(r, production ? ANY_ADDRESS : LOOPBACK),
    port: PORT.read(r),
    workers,
    standbyWorkers: STANDBY_WORKERS.read(r),
    trustProxy: TRUST_PROXY.read(r),
    logLevel: LOG_LEVEL.read(r),
    logFormat: LOG_FORMAT.read(r),
    bodyLimitBytes: BODY_LIMIT_BYTES.read(r),
    varDir: resolve(r.cwd, VAR_DIR.read(r)),
    shutdownGraceMs: SHUTDOWN_GRACE_SECONDS.read(r) * 1000,
  };
}
