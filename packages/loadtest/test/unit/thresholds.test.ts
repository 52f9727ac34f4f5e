import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LoadtestReport } from '../../src/report-schema.js';
import { evaluateThresholds, metricValue, parseThreshold } from '../../src/thresholds.js';

const lat = (p95: number) => ({
  min: 1,
  mean: 2,
  stddev: 1,
  p50: 1,
  p90: 2,
  p95,
  p99: p95 * 2,
  p99_9: 0,
  max: 0,
});
const report = {
  totals: { requests: 1000, ok: 990, failed: 10, rps: 500, success_rate: 0.99, latency_ms: lat(40) },
  endpoints: {
    verify: { requests: 900, ok: 900, failed: 0, rps: 450, success_rate: 1, latency_ms: lat(12.5) },
    login: { requests: 100, ok: 90, failed: 10, rps: 50, success_rate: 0.9, latency_ms: lat(400) },
  },
  errors: { login_503: 10 },
  stale_accepts: 0,
  flows: null,
} as unknown as LoadtestReport;

test('threshold expressions parse, with or without spaces; typos fail before the run', () => {
  assert.deepEqual(parseThreshold('verify.p95<50'), {
    expression: 'verify.p95<50',
    metric: 'verify.p95',
    op: '<',
    limit: 50,
  });
  assert.equal(parseThreshold(' errors.rate <= 0.01 ').op, '<=');
  assert.equal(parseThreshold('stale_accepts==0').limit, 0);
  assert.equal(parseThreshold('total.rps>=1e3').limit, 1000);
  assert.throws(() => parseThreshold('verify.p95 50'), /expected <metric><op><number>/);
  assert.throws(() => parseThreshold('verfy.p95<50'), /unknown metric "verfy\.p95"/);
  assert.throws(() => parseThreshold('verify.p96<50'), /unknown metric/);
});

test('metrics read from the report: endpoint stats, error rate and categories, stale accepts', () => {
  assert.equal(metricValue(report, 'verify.p95'), 12.5);
  assert.equal(metricValue(report, 'total.p99'), 80);
  assert.equal(metricValue(report, 'login.error_rate'), 0.1);
  assert.equal(metricValue(report, 'errors.rate'), 0.01);
  assert.equal(metricValue(report, 'errors.login_503'), 10);
  assert.equal(metricValue(report, 'errors.verify_0'), 0);
  assert.equal(metricValue(report, 'stale_accepts'), 0);
  assert.equal(metricValue(report, 'refresh.p95'), null, 'no refresh requests: no data');
  assert.equal(metricValue(report, 'flows.failed'), null, 'verify has no flows');
});

test('evaluation: met, breached, and no data counts as breached', () => {
  const results = evaluateThresholds(
    report,
    ['verify.p95<50', 'errors.rate<0.01', 'stale_accepts==0', 'refresh.p95<100', 'login.p95>=400'].map(
      parseThreshold,
    ),
  );
  assert.deepEqual(
    results.map((r) => [r.expression, r.actual, r.ok]),
    [
      ['verify.p95<50', 12.5, true],
      ['errors.rate<0.01', 0.01, false],
      ['stale_accepts==0', 0, true],
      ['refresh.p95<100', null, false],
      ['login.p95>=400', 400, true],
    ],
  );
});
