/**
 * DATABASE_URL with several hosts: split into one single-host URL per host (in order),
 * target_session_attrs read and removed, and credentials redacted in logs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../src/errors.js';
import { loadConfig } from '../../src/config/load.js';
import { redactConfig } from '../../src/config/redact.js';

const load = (url: string) => loadConfig({ DATABASE_URL: url }, { skipEnvFiles: true });

test('a multi-host URL becomes one URL per host, read-write required', () => {
  const c = load(
    'postgres://app:s3cret@10.0.0.1:5432,10.0.0.2:5433/auth?sslmode=disable&target_session_attrs=read-write',
  );
  assert.deepEqual(c.database.hosts, [
    'postgres://app:s3cret@10.0.0.1:5432/auth?sslmode=disable',
    'postgres://app:s3cret@10.0.0.2:5433/auth?sslmode=disable',
  ]);
  assert.equal(c.database.targetSessionAttrs, 'read-write');
  const shown = JSON.stringify(redactConfig(c));
  assert.doesNotMatch(shown, /s3cret/);
});

test('several hosts without target_session_attrs still require a read-write host; one host does not', () => {
  assert.equal(load('postgres://a@h1,h2/db').database.targetSessionAttrs, 'read-write');
  assert.equal(load('postgres://a@h1/db').database.targetSessionAttrs, 'any');
  assert.equal(
    load('postgres://a@h1/db?target_session_attrs=primary').database.targetSessionAttrs,
    'read-write',
  );
  assert.equal(load('postgres://a@h1,h2/db?target_session_attrs=any').database.targetSessionAttrs, 'any');
  assert.deepEqual(load('postgresql://h1:5432/db').database.hosts, ['postgresql://h1:5432/db']);
});

test('a session requirement tollgate cannot honour is a configuration error', () => {
  assert.throws(
    () => load('postgres://a@h1,h2/db?target_session_attrs=standby'),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /DATABASE_URL.*target_session_attrs=standby is not supported/s);
      return true;
    },
  );
  assert.throws(() => load('postgres://a@h1,,h2/db'), /empty host/);
});
