/**
 * One declaration per environment variable (src/config/sections/, gathered in
 * src/config/variables.ts) and everything that must agree with it: what the config reads,
 * `.env.example`, the tables of docs/configuration.md and `tollgate serve --help`.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig, type Env } from '../../src/config/load.js';
import { VARIABLES, variablesHelp } from '../../src/config/variables.js';
import { ConfigError } from '../../src/errors.js';
import { BEGIN_MARKER, configurationDoc, END_MARKER, generatedFiles } from '../../scripts/config-docs.js';

/** The names `loadConfig` looks up in the environment, given `env`. */
function namesRead(env: Record<string, string>): Set<string> {
  const names = new Set<string>();
  const watched = new Proxy(env, {
    get(target, key) {
      if (typeof key === 'string') names.add(key);
      return target[key as string];
    },
  }) as Env;
  try {
    loadConfig(watched, { skipEnvFiles: true });
  } catch (err) {
    // Production without its required variables: the names it read still count.
    if (!(err instanceof ConfigError)) throw err;
  }
  return names;
}

describe('the environment variable declarations', () => {
  const declared = new Set(VARIABLES.map((v) => v.name));
  const read = new Set([
    ...namesRead({}),
    ...namesRead({ DEPLOYMENT_ENV: 'production' }),
    ...namesRead({ REDIS_URL: 'redis://127.0.0.1:6379', PASSWORD_HASHER: 'libuv', WORKERS: '2' }),
  ]);

  it('declare every variable the config reads, and nothing it does not', () => {
    assert.ok(read.size > 40, `found ${read.size} variables read`);
    assert.deepEqual([...read].filter((n) => !declared.has(n)).sort(), [], 'read but not declared');
    assert.deepEqual([...declared].filter((n) => !read.has(n)).sort(), [], 'declared but never read');
    assert.equal(declared.size, VARIABLES.length, 'no name declared twice');
  });

  it('are the only way the sections read a value (a default is written once, in its declaration)', () => {
    const direct = /\br\.(int|bool|string|optional|oneOf|raw|secret|hostPortList|trustProxy)\(/;
    const dir = 'src/config/sections';
    const files = [...readdirSync(dir).map((name) => join(dir, name)), 'src/config/load.ts'];
    for (const file of files) {
      const found = readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => direct.test(line));
      assert.deepEqual(found, [], `${file} reads the environment around its declarations`);
    }
  });

  it('generate the committed .env.example and docs/configuration.md (npm run config-docs)', async () => {
    for (const { path, text } of await generatedFiles()) {
      assert.equal(readFileSync(path, 'utf8'), text, `${path} differs from what npm run config-docs writes`);
    }
  });

  it('are what docs/configuration.md and serve --help show', () => {
    const docs = readFileSync('docs/configuration.md', 'utf8');
    const tables = docs.slice(docs.indexOf(BEGIN_MARKER), docs.indexOf(END_MARKER));
    const help = variablesHelp();
    for (const v of VARIABLES) {
      assert.ok(tables.includes(`\`${v.name}\``), `${v.name} in the tables of docs/configuration.md`);
      assert.match(help, new RegExp(`^ {4}${v.name} +\\S`, 'm'), `${v.name} in serve --help`);
    }
    assert.match(help, /ACCESS_TOKEN_TTL +access token lifetime, seconds \[default: 900\]$/m);
    assert.match(tables, /\| `ACCESS_TOKEN_TTL` +\| `900` +\| access token lifetime, seconds +\|/);
  });

  it('leave the hand-written parts of docs/configuration.md alone', async () => {
    const page = `# Title\n\nprose\n\n${BEGIN_MARKER}\nstale\n${END_MARKER}\n\n## After\n\nmore prose\n`;
    const out = await configurationDoc(page);
    assert.ok(out.startsWith(`# Title\n\nprose\n\n${BEGIN_MARKER}\n`));
    assert.ok(out.endsWith(`${END_MARKER}\n\n## After\n\nmore prose\n`));
    assert.ok(!out.includes('stale'));
    assert.ok(out.includes('### Tokens and sessions'));
    await assert.rejects(configurationDoc('# no markers\n'), /lacks the markers/);
  });
});
