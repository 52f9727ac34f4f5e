/**
 * Lints the OpenAPI document the service serves (/openapi.json) with Redocly's
 * `recommended` rules (redocly.yaml), offline. Builds the app in-process on the embedded
 * defaults (memory store, a PGlite database in a temporary directory), takes the
 * document it serves, and exits 1 on any error or warning.
 *
 *   npm run lint:openapi            lint
 *   npm run lint:openapi -- --write  also write the document to openapi.json (for other tools)
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  formatProblems,
  getTotals,
  lintFromString,
  loadConfig as loadRedoclyConfig,
} from '@redocly/openapi-core';
import { CONFIGURATIONS, servedDocument } from './openapi-document.js';

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
