/**
 * The committed types (src/schema.ts) are exactly what openapi-typescript makes of the
 * OpenAPI document the service serves today: a route, schema or summary changed without
 * regenerating the client fails here, naming the first line that differs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { SCHEMA_FILE, schemaSource } from '../../../scripts/generate-client.js';
import { servedDocument } from '../../../scripts/openapi-document.js';

// Built once: the app takes a few seconds to compose.
const served = servedDocument();

test('packages/client/src/schema.ts matches the served OpenAPI document', async () => {
  const expected = await schemaSource(await served);
  const committed = readFileSync(SCHEMA_FILE, 'utf8');
  if (committed === expected) return;
  const a = committed.split('\n');
  const b = expected.split('\n');
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  assert.fail(
    `the client has drifted from the OpenAPI document at line ${i + 1}:\n` +
      `  committed: ${a[i] ?? '(end of file)'}\n  document:  ${b[i] ?? '(end of file)'}\n` +
      'regenerate it: npx tsx scripts/generate-client.ts',
  );
});

test('the generator sees a change in the document', async () => {
  const document = JSON.parse(await served) as {
    paths: Record<string, Record<string, { summary?: string }>>;
  };
  const before = await schemaSource(JSON.stringify(document));
  document.paths['/auth/login']!.post!.summary = 'changed';
  const after = await schemaSource(JSON.stringify(document));
  assert.notEqual(after, before);
  assert.match(after, /^\s+\* changed$/m);
});
