/** `.env` and `.env.<DEPLOYMENT_ENV>` files: later files and the real environment win. */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { DEPLOYMENT_ENVS, type DeploymentEnv } from './pool-presets.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** Reads `.env` then `.env.<env>` from `cwd`; later files and the real env win. */
export function readEnvFiles(realEnv: Env, cwd: string): Env {
  const fromFile = (name: string): Record<string, string> => {
    const path = resolve(cwd, name);
    return existsSync(path) ? parseDotenv(readFileSync(path)) : {};
  };
  const base = fromFile('.env');
  const envName = realEnv.DEPLOYMENT_ENV ?? base.DEPLOYMENT_ENV ?? 'development';
  const specific = DEPLOYMENT_ENVS.includes(envName as DeploymentEnv) ? fromFile(`.env.${envName}`) : {};
  return { ...base, ...specific, ...realEnv };
}
