/**
 * One list of environment variables (src/config/variables.ts) and everything that must
 * agree with it: what the config readers read, `.env.example`, docs/configuration.md
 * and `tollgate serve --help`.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { envExample, VARIABLES, variablesHelp } from '../../src/config/variables.js';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Every variable name the section readers read (a `secret` also reads NAME_FILE). */
function readByConfig(): Set<string> {
  const names = new Set<string>();
  const call =
    /\br\.(int|bool|string|optional|oneOf|raw|isSet|secret|hostPortList|trustProxy)(?:<[^>]*>)?\(\s*'([A-Z0-9_]+)'/g;
  for (const file of sources('src/config')) {
    for (const m of readFileSync(file, 'utf8').matchAll(call)) {
      names.add(m[2]!);
      if (m[1] === 'secret') names.add(`${m[2]}_FILE`);
    }
  }
  return names;
}

describe('the environment variable list', () => {
  const listed = new Set(VARIABLES.map((v) => v.name));
  const read = readByConfig();

  it('lists every variable the config reads, and nothing it does not', () => {
    assert.ok(read.size > 40, `found ${read.size} variables read`);
    assert.deepEqual([...read].filter((n) => !listed.has(n)).sort(), [], 'read but not listed');
    assert.deepEqual([...listed].filter((n) => !read.has(n)).sort(), [], 'listed but never read');
    assert.equal(listed.size, VARIABLES.length, 'no duplicates');
  });

  it('.env.example is generated from it (npm run env-example)', () => {
    assert.equal(readFileSync('.env.example', 'utf8'), envExample());
  });

  it('docs/configuration.md and serve --help name every variable', () => {
    const docs = readFileSync('docs/configuration.md', 'utf8');
    const help = variablesHelp();
    for (const name of listed) {
      assert.ok(docs.includes(`\`${name}\``), `${name} in docs/configuration.md`);
      assert.ok(new RegExp(`\\b${name}\\b`).test(help), `${name} in serve --help`);
    }
  });
});
