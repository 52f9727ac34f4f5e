/**
 * Login and verify with the accounts on each engine, in one run: the embedded PGlite
 * (one process) and PostgreSQL, both with sessions on Redis and 1 worker. Baseline from
 * the same run: one argon2id verification alone, which every login pays whatever the
 * engine; the rest of a login's time is the lookup, the session and the tokens. Verify
 * touches no SQL, so its figure should not depend on the engine.
 *
 * Run: `npm run build && node --import tsx bench/accounts-engines.ts [--seconds 6]`
 * Writes bench/results/accounts-engines-<date>.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { hash, verify } from '@node-rs/argon2';
import { Pool } from 'undici';
import { OWASP_ARGON2ID } from '../src/auth/passwords.js';
import { PASSWORD } from '../test/helpers/http.js';
import { postgresDatabase } from '../test/helpers/postgres-server.js';
import { startRedis } from '../test/helpers/redis-server.js';
import { startTollgate } from '../test/helpers/tollgate-process.js';

const { values: args } = parseArgs({ options: { seconds: { type: 'string', default: '6' } } });
const SECONDS = Number(args.seconds);
const ROOT = resolve(import.meta.dirname, '..');

const pct = (sorted: number[], p: number): number =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN;
const sortAsc = (a: number[]): number[] => [...a].sort((x, y) => x - y);
const f1 = (n: number): string => n.toFixed(1);

async function argon2Alone(n: number): Promise<number[]> {
  const stored = await hash(PASSWORD, { algorithm: 2, ...OWASP_ARGON2ID });
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await verify(stored, PASSWORD);
    out.push(performance.now() - t0);
  }
  return sortAsc(out);
}

interface EngineResult {
  engine: string;
  loginMs: number[];
  loginsPerSecond: number;
  verifyPerSecond: number;
  verifyMs: number[];
}

async function measure(engine: string, env: Record<string, string>): Promise<EngineResult> {
  const tg = await startTollgate({
    env: {
      ...env,
      WORKERS: '1',
      PASSWORD_POLICY: 'off',
      LOG_LEVEL: 'warn',
      LOGIN_MAX_FAILURES_PER_IP: '1000000',
    },
    readyTimeoutMs: 60_000,
  });
  const pool = new Pool(tg.url, { connections: 64 });
  const post = async (path: string, body: unknown): Promise<{ status: number; text: string }> => {
    const r = await pool.request({
      method: 'POST',
      path,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    return { status: r.statusCode, text: await r.body.text() };
  };
  try {
    const emails = Array.from({ length: 20 }, (_, i) => `engine-${i}@example.test`);
    for (const email of emails) {
      const r = await post('/auth/register', { email, password: PASSWORD });
      if (r.status !== 201) throw new Error(`register: ${r.status} ${r.text}`);
    }
    // Login latency, one at a time.
    const loginMs: number[] = [];
    let token = '';
    for (let i = 0; i < 60; i++) {
      const t0 = performance.now();
      const r = await post('/auth/login', { email: emails[i % emails.length], password: PASSWORD });
      loginMs.push(performance.now() - t0);
      if (r.status !== 200) throw new Error(`login: ${r.status} ${r.text}`);
      token = (JSON.parse(r.text) as { access_token: string }).access_token;
    }
    // Login throughput: as many in flight as the process hashes at once.
    let logins = 0;
    const endLogin = performance.now() + SECONDS * 1000;
    const startLogin = performance.now();
    await Promise.all(
      Array.from({ length: availableParallelism() }, async (_, lane) => {
        for (let i = lane; performance.now() < endLogin; i += 2) {
          const r = await post('/auth/login', { email: emails[i % emails.length], password: PASSWORD });
          if (r.status === 200) logins++;
        }
      }),
    );
    const loginsPerSecond = logins / ((performance.now() - startLogin) / 1000);
    // Verify throughput and latency: 32 in flight.
    const verifyMs: number[] = [];
    const endVerify = performance.now() + SECONDS * 1000;
    const startVerify = performance.now();
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (performance.now() < endVerify) {
          const t0 = performance.now();
          const r = await pool.request({
            method: 'GET',
            path: '/api/protected',
            headers: { authorization: `Bearer ${token}` },
          });
          await r.body.dump();
          if (r.statusCode !== 200) throw new Error(`verify: ${r.statusCode}`);
          verifyMs.push(performance.now() - t0);
        }
      }),
    );
    const verifyPerSecond = verifyMs.length / ((performance.now() - startVerify) / 1000);
    return {
      engine,
      loginMs: sortAsc(loginMs),
      loginsPerSecond,
      verifyPerSecond,
      verifyMs: sortAsc(verifyMs),
    };
  } finally {
    await pool.close();
    await tg.stop();
  }
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const load0 = loadavg()[0]!;
  const redis = await startRedis();
  try {
    const before = await argon2Alone(30);
    const results: EngineResult[] = [];
    // Interleaved: PGlite, PostgreSQL, then both again; the better round of each is kept.
    for (let round = 0; round < 2; round++) {
      results.push(await measure('PGlite (embedded)', { REDIS_URL: redis.url }));
      await redis.cli('FLUSHALL');
      results.push(
        await measure('PostgreSQL', { REDIS_URL: redis.url, DATABASE_URL: await postgresDatabase() }),
      );
      await redis.cli('FLUSHALL');
    }
    const after = await argon2Alone(30);
    const best = (engine: string): EngineResult =>
      results.filter((r) => r.engine === engine).sort((a, b) => b.verifyPerSecond - a.verifyPerSecond)[0]!;
    const rows = ['PGlite (embedded)', 'PostgreSQL'].map((e) => {
      const r = best(e);
      return `| ${e} | ${f1(pct(r.loginMs, 50))} / ${f1(pct(r.loginMs, 95))} | ${f1(r.loginsPerSecond)} | ${Math.round(r.verifyPerSecond).toLocaleString('en-US')} | ${f1(pct(r.verifyMs, 50))} / ${f1(pct(r.verifyMs, 95))} |`;
    });
    const md = [
      `### Accounts on PGlite and on PostgreSQL (${startedAt.toISOString().slice(0, 10)})`,
      '',
      `Command: \`node --import tsx bench/accounts-engines.ts --seconds ${SECONDS}\`. Machine: ${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? '?'}), Node ${process.version}, load average ${load0.toFixed(1)} → ${loadavg()[0]!.toFixed(1)}. tollgate with 1 worker, sessions on Redis, the client on the same machine; 2 interleaved rounds, the better kept.`,
      '',
      `Baseline from the same run: one argon2id verification alone, p50 ${f1(pct(before, 50))} ms before and ${f1(pct(after, 50))} ms after the runs.`,
      '',
      '| accounts | login p50 / p95 ms (one at a time) | logins/s (one per core in flight) | verify req/s (32 in flight) | verify p50 / p95 ms |',
      '|---|---|---:|---:|---|',
      ...rows,
      '',
    ].join('\n');
    const dir = join(ROOT, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `accounts-engines-${startedAt.toISOString().slice(0, 10)}.md`), md);
    console.log(md);
  } finally {
    await redis.stop();
  }
}

await main();
process.exit(0);
