import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareReports, delta, formatComparison, minSamples } from '../../src/compare.js';
import type { EndpointReport, LoadtestReport } from '../../src/report-schema.js';

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
    histogram: [],
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
    stale_accepts: errors.stale_accept ?? 0,
    config: { scenario: 'auth-flow', users: 64, url: 'http://127.0.0.1:1' },
    environment: { cpus: 2, node: 'v20' },
  } as unknown as LoadtestReport;
}

test('a delta knows whether lower or higher is better, and calls changes within the band the same', () => {
  assert.deepEqual(delta('p95', 1561, 120, 'lower'), {
    metric: 'p95',
    old: 1561,
    new: 120,
    delta: -1441,
    delta_pct: -92.31,
    better: 'lower',
    band: 156.1,
    verdict: 'better',
    gate: true,
  });
  assert.equal(delta('rps', 649, 3000, 'higher').verdict, 'better');
  assert.equal(delta('rps', 649, 300, 'higher').verdict, 'worse');
  assert.equal(delta('p95', 10, 10, 'lower').verdict, 'same');
  // 10 % band by default: +9 % is noise, +11 % is worse.
  assert.equal(delta('p95', 100, 109, 'lower').verdict, 'same');
  assert.equal(delta('p95', 100, 111, 'lower').verdict, 'worse');
  // The absolute floor: 0.1 ms -> 0.25 ms is +150 % but within a 0.2 ms floor.
  const tiny = delta('p50', 0.1, 0.25, 'lower', { relative: 0.1, floor: 0.2, gate: true });
  assert.equal(tiny.verdict, 'same');
  assert.equal(delta('errors', 0, 3, 'lower').delta_pct, null);
  assert.equal(delta('errors', 0, 3, 'lower').verdict, 'worse');
});

test('compareReports: totals, shared endpoints, stale accepts, error categories; regressions are gated metrics only', () => {
  const c = compareReports(report(649, 1561, { login_429: 5 }), report(3200, 150, { verify_503: 2 }));
  const by = new Map(c.deltas.map((d) => [d.metric, d]));
  assert.equal(by.get('total.rps')!.verdict, 'better');
  assert.equal(by.get('total.p95_ms')!.new, 150);
  assert.equal(by.get('total.p95_ms')!.verdict, 'better');
  assert.equal(by.get('verify.p99_ms')!.old, 1561 * 2);
  assert.equal(by.get('errors.login_429')!.new, 0);
  assert.equal(by.get('errors.login_429')!.verdict, 'better');
  assert.equal(by.get('errors.verify_503')!.verdict, 'worse');
  assert.equal(by.get('errors.verify_503')!.gate, false, 'error counts depend on run length');
  assert.equal(by.get('stale_accepts')!.verdict, 'same');
  assert.deepEqual(c.regressions, [], 'faster, and fewer failures');
  assert.deepEqual(c.warnings, []);
  const text = formatComparison(c);
  assert.match(text, /total\.p95_ms\s+1561\s+150\s+-1411\s+-90\.4%\s+±156\.10\s+better/);
  assert.match(text, /no regression beyond the noise band \(±10 %\)/);
});

test('a slower run is a regression; a stale accept always is; a wider band absorbs small changes', () => {
  const base = report(1000, 20, {});
  const slower = report(850, 26, {});
  assert.deepEqual(compareReports(base, slower).regressions.sort(), [
    'total.p50_ms',
    'total.p90_ms',
    'total.p95_ms',
    'total.p99_ms',
    'total.rps',
    'verify.p50_ms',
    'verify.p90_ms',
    'verify.p95_ms',
    'verify.p99_ms',
    'verify.rps',
  ]);
  assert.deepEqual(compareReports(base, slower, 40).regressions, []);
  const stale = { ...report(1000, 20, {}), stale_accepts: 1 } as LoadtestReport;
  assert.deepEqual(compareReports(base, stale).regressions, ['stale_accepts']);
});

test('runs of different configurations are compared with a warning naming each difference', () => {
  const a = report(1000, 20, {});
  const b = {
    ...report(1000, 20, {}),
    config: { ...a.config, users: 128, scenario: 'verify' },
    environment: { ...a.environment, cpus: 4 },
  } as LoadtestReport;
  const c = compareReports(a, b);
  assert.deepEqual(c.warnings, [
    'scenario: auth-flow -> verify',
    'users: 64 -> 128',
    'environment cpus: 2 -> 4',
  ]);
  assert.match(formatComparison(c), /warning: the two runs differ in configuration/);
});

test('a percentile is gated only with at least 10 samples beyond it in both runs', () => {
  assert.deepEqual(
    [50, 90, 95, 99, 99.9].map((p) => minSamples(p)),
    [20, 100, 200, 1000, 10000],
  );
  const few = (p95: number, requests: number): LoadtestReport => {
    const r = report(1000, p95, {});
    for (const e of [r.totals, r.endpoints.verify!]) e.requests = requests;
    return r;
  };
  // 12 requests, as in a short run: every percentile tripled, none of them a regression.
  const c = compareReports(few(20, 12), few(60, 12));
  assert.deepEqual(c.regressions, []);
  const p99 = c.deltas.find((d) => d.metric === 'total.p99_ms')!;
  assert.equal(p99.verdict, 'worse');
  assert.equal(p99.gate, false);
  assert.deepEqual(p99.samples, { old: 12, new: 12, min: 1000 });
  assert.match(formatComparison(c), /total\.p99_ms .*worse \(too few samples: 12 < 1000\)/);
  // 250 requests in one run, 12 in the other: the smaller one decides.
  assert.deepEqual(compareReports(few(20, 250), few(60, 12)).regressions, []);
  // 250 in both: p50, p90 and p95 are gated, p99 (1,000 needed) is not.
  assert.deepEqual(compareReports(few(20, 250), few(60, 250)).regressions.sort(), [
    'total.p50_ms',
    'total.p90_ms',
    'total.p95_ms',
    'verify.p50_ms',
    'verify.p90_ms',
    'verify.p95_ms',
  ]);
});
