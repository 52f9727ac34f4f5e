import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aggregator } from '../../src/aggregate.js';
import type { DoneMessage, TickMessage } from '../../src/messages.js';
import { formatStatus } from '../../src/progress.js';
import { Recorder } from '../../src/recorder.js';
import { buildEndpoints, readJsonReport } from '../../src/report-json.js';
import { createHistogram, recordMs } from '../../src/histogram.js';
import { renderHtmlReport } from '../../src/report-html.js';
import { REPORT_SCHEMA, type LoadtestReport } from '../../src/report-schema.js';
import type { CountSet } from '../../src/types.js';

const T0 = 5_000_000;

function tick(index: number, r: Recorder, watermark: number): TickMessage {
  return {
    type: 'tick',
    index,
    seconds: r.flush(watermark),
    watermark,
    requests: r.requests,
    failed: r.failed,
    errors: { ...r.errors },
    activeUsers: 1,
    inFlight: 0,
  };
}

function done(index: number, r: Recorder): DoneMessage {
  return {
    type: 'done',
    index,
    seconds: r.flush(),
    endpoints: r.endpoints(),
    errors: { ...r.errors },
    flows: { started: 1, completed: 1, failed: 0 },
    open: { scheduled: 0, started: 0, dropped: 0, late: 0 },
    aborted: 0,
  };
}

test('per-second slices of several generators merge into one time series (HDR add, gaps as zeros)', () => {
  const g0 = new Recorder(T0);
  const g1 = new Recorder(T0);
  for (let i = 0; i < 100; i++) g0.record('verify', T0 + 100, T0 + 100 + 1 + i * 0.1, 200); // second 0
  for (let i = 0; i < 100; i++) g1.record('verify', T0 + 200, T0 + 200 + 50, 200); // second 0
  g1.record('verify', T0 + 3_000, T0 + 3_010, 503); // second 3
  const agg = new Aggregator(2);
  agg.onTick(tick(0, g0, 1));
  assert.equal(agg.last, undefined, 'second 0 is not final until every generator is past it');
  agg.onTick(tick(1, g1, 1));
  const last = agg.timeseries()[0]!;
  assert.equal(last.t, 0);
  assert.equal(last.requests, 200);
  assert.ok(last.p95 >= 49 && last.p95 <= 51, `p95 ${last.p95}`);
  assert.ok(last.p50 < 11);
  agg.onDone(done(0, g0));
  agg.onDone(done(1, g1));
  const ts = agg.timeseries();
  assert.deepEqual(
    ts.map((p) => [p.t, p.requests, p.failed]),
    [
      [0, 200, 0],
      [1, 0, 0],
      [2, 0, 0],
      [3, 1, 1],
    ],
  );
  assert.deepEqual(ts[3]!.errors, { verify_503: 1 });
  const live = agg.live();
  assert.equal(live.requests, 201);
  assert.equal(live.failed, 1);
  assert.equal(agg.endpointHistograms().hists.get('verify')!.totalCount, 201);
  assert.equal(ts[0]!.endpoints.verify!.requests, 200);
  assert.ok(ts[0]!.endpoints.verify!.p95 >= 49);
  assert.equal(ts[3]!.partial, undefined, 'no end given: nothing is marked partial');
  assert.equal(agg.timeseries(3.4).at(-1)!.partial, true, 'a run that ended at 3.4 s: second 3 is partial');
});

test('per-endpoint and total sections: counts, success rate, req/s, percentiles', () => {
  const login = createHistogram();
  const verify = createHistogram();
  for (let i = 0; i < 10; i++) recordMs(login, 100);
  for (let i = 0; i < 90; i++) recordMs(verify, 1);
  const { endpoints, totals } = buildEndpoints(
    new Map<string, CountSet>([
      ['login', { requests: 10, ok: 9, failed: 1, statuses: { '200': 9, '429': 1 } }],
      ['verify', { requests: 90, ok: 90, failed: 0, statuses: { '200': 90 } }],
      ['refresh', { requests: 0, ok: 0, failed: 0, statuses: {} }],
    ]),
    new Map([
      ['login', login],
      ['verify', verify],
      ['refresh', createHistogram()],
    ]),
    new Map([
      ['login', [0, 0, 0, 0, 0, 0, 0, 0, 0, 10]],
      ['verify', [0, 0, 0, 90]],
    ]),
    10,
  );
  assert.deepEqual(Object.keys(endpoints), ['login', 'verify']);
  assert.equal(endpoints.login!.success_rate, 0.9);
  assert.equal(endpoints.login!.rps, 1);
  assert.equal(totals.requests, 100);
  assert.equal(totals.failed, 1);
  assert.equal(totals.success_rate, 0.99);
  assert.equal(totals.rps, 10);
  assert.deepEqual(totals.statuses, { '200': 99, '429': 1 });
  assert.ok(totals.latency_ms.p90 < 1.01);
  assert.ok(totals.latency_ms.p95 > 99);
  assert.deepEqual(totals.histogram, [0, 0, 0, 90, 0, 0, 0, 0, 0, 10]);
});

test('readJsonReport refuses a file of another schema and upgrades a v1 report', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lt-report-'));
  try {
    const file = join(dir, 'x.json');
    writeFileSync(file, JSON.stringify({ schema: 'other' }));
    assert.throws(() => readJsonReport(file), /not a tollgate loadtest report/);
    writeFileSync(file, JSON.stringify({ schema: REPORT_SCHEMA, totals: {} }));
    assert.equal(readJsonReport(file).schema, REPORT_SCHEMA);
    writeFileSync(file, JSON.stringify({ schema: 'tollgate-loadtest/v1', errors: { stale_accept: 3 } }));
    const upgraded = readJsonReport(file);
    assert.equal(upgraded.stale_accepts, 3);
    assert.deepEqual(upgraded.thresholds, []);
    writeFileSync(file, '{ not json');
    assert.throws(() => readJsonReport(file), /cannot read a JSON report/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the HTML report is self-contained and carries the charts and the data', () => {
  const point = (t: number) => ({
    t,
    requests: 10,
    ok: 9,
    failed: 1,
    p50: 1,
    p90: 2,
    p95: 3,
    p99: 4,
    max: 5,
    errors: {},
    endpoints: { verify: { requests: 10, ok: 9, failed: 1, p50: 1, p95: 3, p99: 4, max: 5 } },
    active_users: 3,
    in_flight: 2,
    ...(t === 2 ? { partial: true } : {}),
  });
  const lat = { min: 1, mean: 2, stddev: 1, p50: 1, p90: 2, p95: 3, p99: 4, p99_9: 5, max: 6 };
  const ep = {
    requests: 30,
    ok: 27,
    failed: 3,
    statuses: { '200': 27, '503': 3 },
    success_rate: 0.9,
    rps: 10,
    latency_ms: lat,
    histogram: [0, 0, 0, 20, 10],
  };
  const report = {
    schema: REPORT_SCHEMA,
    config: { url: 'http://127.0.0.1:1', scenario: 'auth-flow', model: 'closed', preset: null, users: 3 },
    environment: { node: 'v20', platform: 'linux', cpus: 2, cpu_model: 'x', memory_mb: 1 },
    started_at: 'now',
    duration_s: 3,
    stop_reason: 'duration',
    totals: ep,
    endpoints: { verify: ep },
    errors: { stale_accept: 2, 'verify_</script>': 1 },
    stale_accepts: 2,
    flows: null,
    setup: { sessions: { logged_in: 3, failed: 0 } },
    tool: { version: '0.1.0' },
    thresholds: [
      { expression: 'verify.p95<50', metric: 'verify.p95', op: '<', limit: 50, actual: 3, ok: true },
      { expression: 'errors.rate<0.01', metric: 'errors.rate', op: '<', limit: 0.01, actual: 0.1, ok: false },
    ],
    latency_bins_ms: [0.1, 0.2, 0.5, 1],
    open_model: null,
    resources: { target_rss_source: null },
    timeseries: [point(0), point(1), point(2)],
  } as unknown as LoadtestReport;
  const html = renderHtmlReport(report);
  for (const id of [
    'chart-latency-verify',
    'chart-histogram',
    'chart-throughput',
    'chart-concurrency',
    'chart-errors',
    'chart-memory',
  ]) {
    assert.match(html, new RegExp(`<svg[^>]+id="${id}"`));
  }
  assert.match(html, /stale accepts: 2/);
  assert.doesNotMatch(html, /flows \d/, 'verify has no flow line');
  assert.match(html, /sessions logged in before the start: 3/);
  assert.match(html, /1 of 2 breached/);
  assert.match(html, /errors\.rate&lt;0\.01<\/td><td>0\.1<\/td><td class="bad">BREACHED/);
  assert.match(html, /<th>503<\/th>/, 'status codes per endpoint');
  assert.match(html, /last partial second \(t=2 s, 10 requests\) not drawn/);
  assert.match(html, /ms \(log scale\)/);
  assert.doesNotMatch(html, /<(script|link|img)[^>]+(src|href)=/i, 'no external resources');
  assert.doesNotMatch(html, /https?:\/\/(?!www\.w3\.org\/2000\/svg|127\.0\.0\.1)/);
  assert.equal(html.match(/<\/script>/g)?.length, 1, 'embedded JSON cannot close its script tag');
});

test('live p95: from the seconds received, before any is final; "-" before the first request', () => {
  const g0 = new Recorder(T0);
  const g1 = new Recorder(T0);
  const agg = new Aggregator(2);
  assert.equal(agg.livePercentile(95), undefined);
  assert.match(formatStatus(status(agg.livePercentile(95))), /p95 - +requests 0/);
  for (let i = 0; i < 642; i++) g0.record('verify', T0 + 100, T0 + 100 + 2 + (i % 10) * 0.1, 200);
  agg.onTick(tick(0, g0, 1));
  // One generator has reported 642 requests; the other none yet, so no second is final.
  assert.equal(agg.live().requests, 642);
  assert.equal(agg.last, undefined);
  const p95 = agg.livePercentile(95)!;
  assert.ok(p95 >= 2.8 && p95 <= 3, `p95 ${p95}`);
  assert.match(formatStatus(status(p95, 642)), /p95 2\.9 ms +requests 642/);
  // The window: seconds older than the last 5 no longer count.
  for (let i = 0; i < 100; i++) g1.record('verify', T0 + 9_000, T0 + 9_000 + 50, 200);
  agg.onTick(tick(1, g1, 10));
  assert.ok(agg.livePercentile(95)! >= 49, 'second 9 only');
});

function status(p95: number | undefined, requests = 0): Parameters<typeof formatStatus>[0] {
  return { elapsedS: 1, totalS: 10, rps: 0, p95, requests, failed: 0, errors: {}, activeUsers: 0 };
}
