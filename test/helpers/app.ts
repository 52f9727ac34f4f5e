/** Starts the real server in-process on port 0 with a test config. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { startServer, type RunningServer } from '../../src/server.js';

export interface TestApp {
  url: string;
  config: Config;
  server: RunningServer;
  close(): Promise<void>;
}

export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const varDir = mkdtempSync(join(tmpdir(), 'tollgate-var-'));
  const config = loadConfig(
    {
      PORT: '0',
      HOST: '127.0.0.1',
      VAR_DIR: varDir,
      LOG_LEVEL: 'silent',
      LOGIN_MAX_FAILURES_PER_ACCOUNT_IP: '5',
      LOGIN_MAX_FAILURES_PER_IP: '100000',
      ...env,
    },
    { skipEnvFiles: true },
  );
  const server = await startServer(config);
  return {
    url: server.url,
    config,
    server,
    async close() {
      await server.close();
      rmSync(varDir, { recursive: true, force: true });
    },
  };
}

export interface Json {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** Small fetch wrapper: JSON in, JSON out. */
export async function call(
  url: string,
  method: string,
  path: string,
  options: { body?: unknown; token?: string; headers?: Record<string, string>; raw?: string } = {},
): Promise<Json> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined = options.raw;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(url + path, { method, headers, body, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    parsed = { _text: text };
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

export const PASSWORD = 'correct horse battery staple';

export async function registerAndLogin(
  url: string,
  email: string,
  password = PASSWORD,
): Promise<{ access: string; refresh: string }> {
  const reg = await call(url, 'POST', '/auth/register', { body: { email, password } });
  if (reg.status !== 201 && reg.status !== 409) throw new Error(`register failed: ${reg.status}`);
  const login = await call(url, 'POST', '/auth/login', { body: { email, password } });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${JSON.stringify(login.body)}`);
  return { access: String(login.body.access_token), refresh: String(login.body.refresh_token) };
}
