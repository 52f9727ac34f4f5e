/**
 * The shipped Prometheus assets, checked by Prometheus' own tool: the rules parse
 * (`promtool check rules`), the scrape config is valid with the rule files it names
 * (`promtool check config`, on a copy with a stand-in token file), and every alert
 * fires and stays quiet exactly as its unit tests say (`promtool test rules`).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';

const DIR = resolve(import.meta.dirname, '../../deploy/prometheus');
const PROMTOOL = 'promtool';

function promtool(args: string[], cwd: string): Promise<{ code: number; out: string }> {
  return new Promise((done) => {
    execFile(PROMTOOL, args, { cwd, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      done({ code, out: `${stdout}${stderr}` });
    });
  });
}

describe('deploy/prometheus (promtool)', () => {
  it('promtool is installed (scripts/ensure-test-deps.mjs installs Debian’s prometheus)', async () => {
    const r = await promtool(['--version'], DIR);
    assert.equal(r.code, 0, r.out);
  });

  it('the alert rules pass promtool check rules', async () => {
    const r = await promtool(['check', 'rules', 'tollgate.rules.yml'], DIR);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /SUCCESS: \d+ rules found/);
  });

  it('the scrape config passes promtool check config, rule files included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-prom-'));
    try {
      cpSync(DIR, dir, { recursive: true });
      // The config reads the ops token from this file; an operator provides the real one.
      mkdirSync(join(dir, 'secrets'), { recursive: true });
      writeFileSync(join(dir, 'secrets', 'tollgate-ops-token'), 'stand-in\n', { mode: 0o600 });
      const r = await promtool(['check', 'config', 'prometheus.yml'], dir);
      assert.equal(r.code, 0, r.out);
      assert.match(r.out, /SUCCESS: 1 rule files found/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('every alert fires and stays quiet as its rule tests say (promtool test rules)', async () => {
    const r = await promtool(['test', 'rules', 'tollgate.rules.test.yml'], DIR);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /SUCCESS/);
  });

  it('every alert has a rule test in which it fires', () => {
    const read = (f: string) => parse(readFileSync(join(DIR, f), 'utf8')) as unknown;
    const rules = read('tollgate.rules.yml') as { groups: Array<{ rules: Array<{ alert: string }> }> };
    const tests = read('tollgate.rules.test.yml') as {
      tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts: unknown[] }> }>;
    };
    const firing = new Set(
      tests.tests.flatMap((t) =>
        (t.alert_rule_test ?? []).filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname),
      ),
    );
    for (const { alert } of rules.groups.flatMap((g) => g.rules)) {
      assert.ok(firing.has(alert), `${alert} has no test case in which it fires`);
    }
  });
});
