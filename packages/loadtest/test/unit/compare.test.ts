import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareReports, delta, formatComparison } from '../../src/compare.js';
import type { EndpointReport, LoadtestReport } from '../../src/report-json.js';

function endpoint(rps: number, p95: number, failed = 0): EndpointReport {
  return {
    requests: 1000,
    ok: 1000 - failed,
    failed,
    statuses: {},
    success_rate: (1000 - failed) / 1000,
    rps,
    latency_ms: {
      min: 1,
      mean: p95 / 2,
      stddev: 1,
      p50: p95 / 3,
      p90: p95 * 0.9,
      p95,
      p99: p95 * 2,
      p99_9: p95 * 3,
      max: p95 * 4,
    },
  };
}

function report(rps: number, p95: number, errors: Record<string, number>): LoadtestReport {
  return {
    totals: endpoint(
      rps,
      p95,
      Object.values(errors).reduce((a, b) => a + b, 0),
    ),
    endpoints: { verify: endpoint(rps, p95) },
    errors,
  } as unknown as LoadtestReport;
}

test('a delta knows whether lower or higher is better', () => {
  assert.deepEqual(delta('p95', 1561, 120, 'lower'), {
    metric: 'p95',
    old: 1561,
    new: 120,
    delta: -1441,
    delta_pct: -92.31,
    better: 'lower',
    verdict: 'better',
  });
  assert.equal(delta('rps', 649, 3000, 'higher').verdict, 'better');
  assert.equal(delta('rps', 649, 300, 'higher').verdict, 'worse');
  assert.equal(delta('p95', 10, 10, 'lower').verdict, 'same');
  assert.equal(delta('errors', 0, 3, 'lower').delta_pct, null);
  assert.equal(delta('errors', 0, 3, 'lower').verdict, 'worse');
});

test('compareReports covers totals, shared endpoints and every error category (stale_accept always)', () => {
  const deltas = compareReports(report(649, 1561, { login_429: 5 }), report(3200, 150, { verify_503: 2 }));
  const by = new Map(deltas.map((d) => [d.metric, d]));
  assert.equal(by.get('total.rps')!.verdict, 'better');
  assert.equal(by.get('total.p95_ms')!.new, 150);
  assert.equal(by.get('total.p95_ms')!.verdict, 'better');
  assert.equal(by.get('verify.p99_ms')!.old, 1561 * 2);
  assert.equal(by.get('errors.login_429')!.new, 0);
  assert.equal(by.get('errors.login_429')!.verdict, 'better');
  assert.equal(by.get('errors.verify_503')!.verdict, 'worse');
  assert.equal(by.get('errors.stale_accept')!.verdict, 'same');
  const text = formatComparison(deltas);
  assert.match(text, /total\.p95_ms\s+1561\s+150\s+-1411\s+-90\.4%\s+better/);
});
