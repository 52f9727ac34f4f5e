/**
 * The OpenAPI document the service serves at /openapi.json, taken from the app built
 * in-process on the embedded defaults (memory store, a PGlite database in a temporary
 * directory) — what `scripts/openapi-lint.ts` lints and what `@tollgate/client` is
 * generated from.
 *
 *   npx tsx scripts/openapi-document.ts [file]   write the document (default: stdout)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compose } from '../src/compose.js';
import { loadConfig } from '../src/config/load.js';

/** The document differs by configuration only where a feature changes a route. */
export const CONFIGURATIONS: Record<string, string>[] = [
  {},
  { REFRESH_COOKIE: 'on', CORS_ORIGINS: 'https://app.example.com' },
];

/** The document served under `env` (on top of the embedded defaults), as JSON text. */
export async function servedDocument(env: Record<string, string> = {}): Promise<string> {
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

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const text = `${JSON.stringify(JSON.parse(await servedDocument()), null, 2)}\n`;
  const file = process.argv[2];
  if (file) writeFileSync(file, text);
  else process.stdout.write(text);
}
