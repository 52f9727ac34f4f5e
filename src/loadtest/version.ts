/** Version of the tool, read from package.json (two levels up from src/ and dist/src/). */
import { readFileSync } from 'node:fs';

function readVersion(): string {
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'tollgate' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      /* try the next one */
    }
  }
  return '0.0.0';
}

export const VERSION = readVersion();
