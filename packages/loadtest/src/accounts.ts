/**
 * Test-account setup through POST /auth/register with bounded concurrency: 201 = created,
 * 409 `email_taken` = already there (reused). 429 / 503 / no response are retried a few
 * times with backoff. A progress bar on a terminal, plain lines otherwise.
 */
import { Pool } from 'undici';
import { sleep } from './clock.js';
import { accountEmail } from './config.js';
import { createBar, type Bar } from './progress.js';
import type { SetupReport } from './report-schema.js';
import type { RunConfig } from './types.js';

const MAX_ATTEMPTS = 5;

export class SetupError extends Error {}

interface RegisterOutcome {
  kind: 'created' | 'existing' | 'failed';
  detail?: string;
}

async function registerOne(
  pool: Pool,
  email: string,
  password: string,
  timeoutMs: number,
): Promise<RegisterOutcome> {
  let detail = '';
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    let status = 0;
    let retryAfterS: number | undefined;
    try {
      const res = await pool.request({
        method: 'POST',
        path: '/auth/register',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password }),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      status = res.statusCode;
      const text = await res.body.text();
      detail = `HTTP ${status} ${text.slice(0, 200)}`;
      const ra = Number(res.headers['retry-after']);
      retryAfterS = Number.isFinite(ra) ? ra : undefined;
    } catch (err) {
      detail = err instanceof Error ? err.message : String(err);
    }
    if (status === 201) return { kind: 'created' };
    if (status === 409) return { kind: 'existing' };
    if (status !== 0 && status !== 429 && status !== 503) return { kind: 'failed', detail };
    await sleep(Math.min(5_000, retryAfterS !== undefined ? retryAfterS * 1_000 : 100 * 2 ** attempt));
  }
  return { kind: 'failed', detail };
}

export async function setupAccounts(run: RunConfig, log: (line: string) => void): Promise<SetupReport> {
  const started = Date.now();
  const report: SetupReport = {
    accounts: run.accounts,
    created: 0,
    existing: 0,
    failed: 0,
    skipped: false,
    sessions: null,
    duration_s: 0,
  };
  if (run.skipSetup) {
    report.skipped = true;
    return report;
  }
  const pool = new Pool(run.url, { connections: run.setupConcurrency, pipelining: 1 });
  const bar: Bar = createBar(run.quiet, `accounts (${run.accountPrefix}-*)`, run.accounts, log);
  let next = 0;
  let firstFailure: string | undefined;
  const worker = async (): Promise<void> => {
    while (next < run.accounts) {
      const i = next++;
      const out = await registerOne(pool, accountEmail(run.accountPrefix, i), run.password, run.timeoutMs);
      if (out.kind === 'created') report.created++;
      else if (out.kind === 'existing') report.existing++;
      else {
        report.failed++;
        firstFailure ??= out.detail;
      }
      bar.increment();
      // A target that refuses every registration: stop early instead of trying them all.
      if (report.failed >= 5 && report.created + report.existing === 0) break;
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(run.setupConcurrency, run.accounts) }, worker));
  } finally {
    bar.stop();
    await pool.close();
  }
  report.duration_s = Math.round((Date.now() - started) / 100) / 10;
  if (report.created + report.existing === 0) {
    throw new SetupError(
      `account setup failed: no account could be registered (${firstFailure ?? 'unknown error'})`,
    );
  }
  if (report.failed > 0)
    log(`warning: ${report.failed} of ${run.accounts} accounts could not be registered (${firstFailure})`);
  return report;
}
