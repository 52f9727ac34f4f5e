/**
 * The Grafana dashboard and the Prometheus alert rules query metrics that exist: the app
 * runs on a real redis-server, serves a little traffic, and every metric name in every
 * dashboard query and rule expression must be in its live /metrics. The cluster
 * primary's own metrics (WORKERS > 1) come from the primary's registry, built by the
 * same code; the few names that need an event or another process are listed below
 * with their reason.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { createClusterMetrics } from '../../src/cluster/cluster-metrics.js';
import type { ManagedRedisPool } from '../../src/redis/index.js';
import { composeTestApp, type TestApp } from '../helpers/app.js';
import { call, PASSWORD, registerAndLogin } from '../helpers/http.js';
import { startRedis, type RedisServerHandle } from '../helpers/redis-server.js';
import { waitFor } from '../helpers/wait.js';

const ROOT = resolve(import.meta.dirname, '../..');
const OPS = 'ops-token-for-metrics-test-0123';

/** Queried but not in a single process's /metrics, and why. Keep this short. */
const NOT_IN_PROCESS: Record<string, string> = {
  up: 'written by Prometheus itself for every scrape target',
};

const KEYWORDS = new Set(['and', 'or', 'unless', 'offset', 'bool', 'inf', 'nan']);

/** Metric names in a PromQL expression (Grafana variables allowed). */
export function metricNames(expr: string): string[] {
  const s = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // string literals
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // range selectors
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ') // label lists
    .replace(/\$\w+/g, ' '); // Grafana variables
  const names = new Set<string>();
  for (const m of s.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const before = s[m.index - 1];
    if (before !== undefined && /[0-9.]/.test(before)) continue; // the exponent of a number
    if (
      s
        .slice(m.index + m[0].length)
        .trimStart()
        .startsWith('(')
    )
      continue; // a function
    if (KEYWORDS.has(m[0].toLowerCase())) continue;
    names.add(m[0]);
  }
  return [...names];
}

/** Metric names present in a Prometheus text exposition. */
function exposed(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line);
    if (m) names.add(m[1]!);
  }
  return names;
}

interface GrafanaPanel {
  type: string;
  title: string;
  id: number;
  datasource?: { uid: string };
  targets?: Array<{ expr: string; refId: string }>;
}

interface Dashboard {
  uid: string;
  panels: GrafanaPanel[];
  templating: { list: Array<{ name: string; query: unknown; definition?: string }> };
}

const dashboard = JSON.parse(
  readFileSync(resolve(ROOT, 'deploy/grafana/tollgate.json'), 'utf8'),
) as Dashboard;
const rules = parse(readFileSync(resolve(ROOT, 'deploy/prometheus/tollgate.rules.yml'), 'utf8')) as {
  groups: Array<{ name: string; rules: Array<{ alert: string; expr: string }> }>;
};

describe('metric names in PromQL', () => {
  it('finds metrics, not functions, labels, keywords, numbers or variables', () => {
    assert.deepEqual(
      metricNames(
        'histogram_quantile(0.99, sum by (le, http_route) (rate(http_server_request_duration_seconds_bucket{instance=~"$instance", http_route!~"/a|b"}[$__rate_interval]))) > 1e3 and on (instance) up offset 5m',
      ),
      ['http_server_request_duration_seconds_bucket', 'up'],
    );
    assert.deepEqual(metricNames('max(a_total) / min(b_seconds) * 100 or vector(0)'), [
      'a_total',
      'b_seconds',
    ]);
  });
});

describe('the dashboard and the alert rules query live metrics (app on a real Redis)', () => {
  let redis: RedisServerHandle;
  let app: TestApp;
  let available: Map<string, string>;

  before(async () => {
    redis = await startRedis();
    app = await composeTestApp({ REDIS_URL: redis.url, OPS_TOKEN: OPS });
    const t = app.target;
    // A little of everything: registration, logins (right and wrong), verify, refresh,
    // logout and the refused token afterwards, a 404, the ops routes.
    const email = 'metrics@example.test';
    const session = await registerAndLogin(t, email);
    assert.equal((await call(t, 'POST', '/auth/login', { body: { email, password: 'wrong' } })).status, 401);
    assert.equal((await call(t, 'GET', '/api/protected', { token: session.access })).status, 200);
    const refreshed = await call(t, 'POST', '/auth/refresh', { body: { refresh_token: session.refresh } });
    assert.equal(refreshed.status, 200);
    const access = String(refreshed.body.access_token);
    assert.equal((await call(t, 'POST', '/auth/logout', { token: access })).status, 200);
    assert.equal((await call(t, 'GET', '/api/protected', { token: access })).status, 401);
    assert.equal((await call(t, 'GET', '/no/such/route')).status, 404);
    assert.equal((await call(t, 'GET', '/health/redis', { token: OPS })).status, 200);
    assert.equal((await call(t, 'POST', '/auth/login', { body: { email, password: PASSWORD } })).status, 200);
    // A password-reset mail (to the log in development): the mail counter's first series.
    assert.equal((await call(t, 'POST', '/auth/password-reset/request', { body: { email } })).status, 202);
    await waitFor(
      async () =>
        /^tollgate_mail_messages_total\{/m.test((await call(t, 'GET', '/metrics', { token: OPS })).text),
      { timeoutMs: 10_000, what: 'the reset mail to be counted' },
    );
    // One health-check round (otherwise due REDIS_HEALTH_CHECK_INTERVAL after start).
    await (app.composition.pool as ManagedRedisPool).checkHealth();

    const scrape = await call(t, 'GET', '/metrics', { token: OPS });
    assert.equal(scrape.status, 200);
    available = new Map([...exposed(scrape.text)].map((n) => [n, 'live /metrics']));
    for (const n of exposed(await createClusterMetrics(2).registry.metrics())) {
      if (!available.has(n)) available.set(n, 'the cluster primary (WORKERS > 1)');
    }
  });

  after(async () => {
    await app?.close();
    await redis?.stop();
  });

  const check = (where: string, expr: string) => {
    const names = metricNames(expr);
    assert.ok(names.length > 0, `${where}: no metric in ${expr}`);
    for (const name of names) {
      assert.ok(
        available.has(name) || name in NOT_IN_PROCESS,
        `${where} queries ${name}, which /metrics does not have`,
      );
    }
  };

  it('every dashboard query', () => {
    let queries = 0;
    for (const panel of dashboard.panels) {
      for (const target of panel.targets ?? []) {
        check(`panel "${panel.title}"`, target.expr);
        queries++;
      }
    }
    for (const variable of dashboard.templating.list) {
      if (!variable.definition) continue;
      // Grafana's label_values(<series selector>, <label>): the selector is PromQL.
      const selector = /^label_values\((.+),\s*\w+\)$/.exec(variable.definition)?.[1];
      check(`variable $${variable.name}`, selector ?? variable.definition);
    }
    assert.ok(queries >= 20, `${queries} queries`);
  });

  it('every alert rule', () => {
    const alerts = rules.groups.flatMap((g) => g.rules);
    assert.ok(alerts.length >= 10);
    for (const rule of alerts) check(`alert ${rule.alert}`, rule.expr);
  });

  it('names follow one convention: base units, _total counters, ratios 0-1, no duplicates', () => {
    const text = [...available.keys()];
    for (const name of text) {
      assert.doesNotMatch(name, /_(percent|milliseconds|ms|usage)$/, `${name}: use base units and ratios`);
    }
    for (const gone of [
      'db_client_connections_usage',
      'db_client_connections_max',
      'tollgate_redis_pool_utilization_percent',
      'tollgate_redis_pool_commands_total',
      'tollgate_redis_pool_errors_total',
      'tollgate_redis_pool_open_connections',
      'tollgate_store_unavailable_total',
    ]) {
      assert.ok(!available.has(gone), `${gone} is deprecated or duplicates another series`);
    }
    assert.ok(available.has('tollgate_build_info'));
  });
});

describe('the dashboard', () => {
  it('has the panels an operator looks for, each on the chosen data source', () => {
    const rows = dashboard.panels.filter((p) => p.type === 'row').map((p) => p.title);
    for (const row of [
      'Traffic',
      'Latency',
      'Errors',
      'Redis pool',
      'Logins, shedding, lockouts',
      'Sessions',
      'Accounts database',
      'Mail, MFA, passkeys',
    ]) {
      assert.ok(rows.includes(row), `row ${row}`);
    }
    const ids = dashboard.panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, 'unique panel ids');
    for (const p of dashboard.panels.filter((q) => q.type !== 'row')) {
      assert.equal(p.datasource?.uid, '${datasource}', p.title);
      assert.ok((p.targets ?? []).length > 0, p.title);
    }
    assert.equal(dashboard.uid, 'tollgate');
  });
});
