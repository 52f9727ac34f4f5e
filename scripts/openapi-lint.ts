/**
 * Lints the OpenAPI document the service serves (/openapi.json) with Redocly's
 * `recommended` rules (redocly.yaml), offline. Builds the app in-process on the embedded
 * defaults (memory store, a PGlite database in a temporary directory), takes the
 * document it serves, and exits 1 on any error or warning.
 *
 *   npm run lint:openapi            lint
 *   npm run lint:openapi -- --write  also write the document to openapi.json (for other tools)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  formatProblems,
  getTotals,
  lintFromString,
  loadConfig as loadRedoclyConfig,
} from '@redocly/openapi-core';
import { compose } from '../src/compose.js';
import { loadConfig } from '../src/config/load.js';

/** The document differs by configuration only where a feature changes a route. */
const CONFIGURATIONS: Record<string, string>[] = [
  {},
  { REFRESH_COOKIE: 'on', CORS_ORIGINS: 'https://app.example.com' },
];

async function servedDocument(env: Record<string, string>): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-openapi-'));
  try {
    const config = loadConfig(
      { STORE: 'memory', VAR_DIR: dir, LOG_LEVEL: 'silent', PASSWORD_POLICY: 'off', DOCS: 'off', ...env },
      { skipEnvFiles: true },
    );
    const composition = await compose(config);
    try {
      const res = await composition.app.inject({ method: 'GET', url: '/openapi.json' });
      if (res.statusCode !== 200) throw new Error(`/openapi.json answered ${res.statusCode}`);
      return res.body;
    } finally {
      await composition.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const config = await loadRedoclyConfig({ configPath: resolve('redocly.yaml') });
let failed = false;
for (const env of CONFIGURATIONS) {
  const source = await servedDocument(env);
  if (process.argv.includes('--write') && Object.keys(env).length === 0) {
    writeFileSync('openapi.json', `${JSON.stringify(JSON.parse(source), null, 2)}\n`);
  }
  const problems = await lintFromString({ source, absoluteRef: resolve('openapi.json'), config });
  const totals = getTotals(problems);
  formatProblems(problems, { format: 'codeframe', totals, version: 'tollgate' });
  const which = Object.keys(env).length === 0 ? 'defaults' : JSON.stringify(env);
  if (totals.errors > 0 || totals.warnings > 0) {
    console.error(`openapi lint (${which}): ${totals.errors} errors, ${totals.warnings} warnings`);
    failed = true;
  } else {
    console.log(`openapi lint (${which}): clean under the recommended rules`);
  }
}
process.exit(failed ? 1 : 0);
