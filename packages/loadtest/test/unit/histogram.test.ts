import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createHistogram,
  decodeHistogram,
  encodeHistogram,
  mergeHistograms,
  recordMs,
  summarize,
} from '../../src/histogram.js';

test('merging encoded histograms of several generators equals one histogram of all values', () => {
  const all = createHistogram();
  const parts = [createHistogram(), createHistogram(true), createHistogram()];
  for (let i = 0; i < 30_000; i++) {
    const ms = ((i * 7919) % 5_000) / 10 + 0.05;
    recordMs(all, ms);
    recordMs(parts[i % 3]!, ms);
  }
  const merged = mergeHistograms(parts.map((p) => encodeHistogram(p)));
  assert.equal(merged.totalCount, 30_000);
  // Same buckets: equal to HDR precision (3 significant digits).
  const a = summarize(merged);
  const b = summarize(all);
  for (const key of Object.keys(b) as (keyof typeof b)[]) {
    assert.ok(Math.abs(a[key] - b[key]) <= Math.max(0.002, b[key] * 0.001), `${key}: ${a[key]} vs ${b[key]}`);
  }
});

test('summary reports p50/p90/p95/p99/p99.9 and max in ms, within HDR precision', () => {
  const h = createHistogram();
  for (let v = 1; v <= 1_000; v++) recordMs(h, v); // 1..1000 ms
  const s = summarize(h);
  const near = (got: number, want: number): void =>
    assert.ok(Math.abs(got - want) <= want * 0.002, `got ${got}, want ~${want}`);
  near(s.p50, 500);
  near(s.p90, 900);
  near(s.p95, 950);
  near(s.p99, 990);
  near(s.p99_9, 999);
  assert.equal(s.max, 1_000);
  assert.equal(s.min, 1);
  near(s.mean, 500.5);
});

test('percentiles never exceed the recorded max, and a long tail survives encoding', () => {
  const h = createHistogram(true);
  for (let i = 0; i < 990; i++) recordMs(h, 2);
  for (let i = 0; i < 10; i++) recordMs(h, 63_000); // the old system's p99
  const back = decodeHistogram(encodeHistogram(h));
  const s = summarize(back);
  assert.ok(Math.abs(s.max - 63_000) <= 63, `max ${s.max}`);
  assert.ok(s.p99_9 <= s.max);
  assert.ok(s.p99_9 > 60_000);
  assert.ok(s.p50 < 2.01);
});

test('an empty histogram summarises to zeros', () => {
  assert.deepEqual(summarize(createHistogram()), {
    min: 0,
    mean: 0,
    stddev: 0,
    p50: 0,
    p90: 0,
    p95: 0,
    p99: 0,
    p99_9: 0,
    max: 0,
  });
});
