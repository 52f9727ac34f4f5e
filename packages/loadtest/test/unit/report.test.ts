import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aggregator } from '../../src/aggregate.js';
import type { DoneMessage, TickMessage } from '../../src/messages.js';
import { Recorder } from '../../src/recorder.js';
import { buildEndpoints, readJsonReport, REPORT_SCHEMA } from '../../src/report-json.js';
import { createHistogram, recordMs } from '../../src/histogram.js';
import { renderHtmlReport } from '../../src/report-html.js';
import type { LoadtestReport } from '../../src/report-json.js';
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
  assert.equal(agg.endpointHistograms().get('verify')!.totalCount, 201);
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
});

test('readJsonReport refuses a file of another schema', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lt-report-'));
  try {
    const file = join(dir, 'x.json');
    writeFileSync(file, JSON.stringify({ schema: 'other' }));
    assert.throws(() => readJsonReport(file), /not a tollgate loadtest report/);
    writeFileSync(file, JSON.stringify({ schema: REPORT_SCHEMA, totals: {} }));
    assert.equal(readJsonReport(file).schema, REPORT_SCHEMA);
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
  });
  const lat = { min: 1, mean: 2, stddev: 1, p50: 1, p90: 2, p95: 3, p99: 4, p99_9: 5, max: 6 };
  const ep = { requests: 30, ok: 27, failed: 3, statuses: {}, success_rate: 0.9, rps: 10, latency_ms: lat };
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
    flows: { started: 1, completed: 1, failed: 0 },
    open_model: null,
    resources: { target_rss_source: null },
    timeseries: [point(0), point(1), point(2)],
  } as unknown as LoadtestReport;
  const html = renderHtmlReport(report);
  for (const id of ['chart-latency', 'chart-throughput', 'chart-errors', 'chart-memory']) {
    assert.match(html, new RegExp(`<svg[^>]+id="${id}"`));
  }
  assert.match(html, /stale accepts: 2/);
  assert.doesNotMatch(html, /<(script|link|img)[^>]+(src|href)=/i, 'no external resources');
  assert.doesNotMatch(html, /https?:\/\/(?!www\.w3\.org\/2000\/svg|127\.0\.0\.1)/);
  assert.equal(html.match(/<\/script>/g)?.length, 1, 'embedded JSON cannot close its script tag');
});
