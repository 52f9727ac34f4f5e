import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveRunConfig } from '../../src/config.js';
import { intendedTime } from '../../src/open-model.js';
import { runLoadtest } from '../../src/runner.js';
import { startFakeAuthServer } from '../helpers/fake-auth-server.js';

const quietLog = (): void => undefined;

test('arrival k of generator i of n is due at t0 + (k*n + i) / rate', () => {
  assert.equal(intendedTime(1_000, 100, 0, 1, 0), 1_000);
  assert.equal(intendedTime(1_000, 100, 0, 1, 5), 1_050);
  // Two generators interleave: 0 -> 0, 20, 40 ms; 1 -> 10, 30, 50 ms.
  assert.deepEqual(
    [0, 1, 2].map((k) => intendedTime(0, 100, 1, 2, k)),
    [10, 30, 50],
  );
});

test('open model: a stalled target shows in the latencies of every arrival it delayed (no coordinated omission)', async () => {
  // One connection: while the target stalls 500 ms, the arrivals due in that window wait.
  // Timed from their intended send time they must show waits spread over 0..500 ms; timed
  // from the actual send they would look fast (only one request would be slow).
  const server = await startFakeAuthServer({ stallOnce: { afterVerifies: 60, ms: 500 } });
  try {
    const run = resolveRunConfig({
      url: server.url,
      scenario: 'verify',
      rate: '200',
      duration: '2',
      users: '2',
      connections: '1',
      maxInFlight: '1000',
      generators: '1',
      quiet: true,
    });
    const report = await runLoadtest(run, { mode: 'inline', log: quietLog });
    const verify = report.endpoints.verify!;
    const open = report.open_model!;
    assert.equal(open.scheduled, 400);
    assert.equal(open.dropped, 0);
    // The rate does not drop while the target stalls: every arrival was sent.
    assert.ok(verify.requests >= 390, `requests ${verify.requests}`);
    // ~100 arrivals (20 %) were delayed by up to 500 ms.
    assert.ok(verify.latency_ms.p90 >= 80, `p90 ${verify.latency_ms.p90}`);
    assert.ok(verify.latency_ms.p95 >= 200, `p95 ${verify.latency_ms.p95}`);
    assert.ok(verify.latency_ms.max >= 450 && verify.latency_ms.max < 2_000, `max ${verify.latency_ms.max}`);
    assert.equal(report.totals.failed, 0);
  } finally {
    await server.close();
  }
});

test('open model: arrivals the generator itself sent late are timed from their intended time', async () => {
  // The generator runs inline on this thread; blocking the thread for 300 ms makes every
  // arrival due in that window go out late. Timed from the actual send they would look
  // instant; timed from the intended time they carry the 0..300 ms of lag.
  const server = await startFakeAuthServer();
  let blocked = false;
  const poll = setInterval(() => {
    if (blocked || (server.counts['GET /api/protected'] ?? 0) < 50) return;
    blocked = true;
    const until = Date.now() + 300;
    while (Date.now() < until) {
      /* busy: the event loop cannot send anything */
    }
  }, 2);
  try {
    const run = resolveRunConfig({
      url: server.url,
      scenario: 'verify',
      rate: '200',
      duration: '1.5',
      users: '2',
      generators: '1',
      quiet: true,
    });
    const report = await runLoadtest(run, { mode: 'inline', log: quietLog });
    assert.ok(blocked);
    const open = report.open_model!;
    assert.equal(open.scheduled, 300);
    assert.ok(open.late >= 40, `late ${open.late}`);
    const verify = report.endpoints.verify!;
    assert.ok(verify.requests >= 290, `requests ${verify.requests}`);
    assert.ok(verify.latency_ms.max >= 250, `max ${verify.latency_ms.max}`);
    assert.ok(verify.latency_ms.p90 >= 50, `p90 ${verify.latency_ms.p90}`);
  } finally {
    clearInterval(poll);
    await server.close();
  }
});

test('open model: arrivals over the in-flight bound are dropped and counted', async () => {
  const server = await startFakeAuthServer({ delayMs: 200 });
  try {
    const run = resolveRunConfig({
      url: server.url,
      scenario: 'login',
      rate: '100',
      duration: '1',
      maxInFlight: '5',
      generators: '1',
      users: '5',
      quiet: true,
    });
    const report = await runLoadtest(run, { mode: 'inline', log: quietLog });
    const open = report.open_model!;
    assert.equal(open.scheduled, 100);
    assert.equal(open.started + open.dropped, open.scheduled);
    assert.ok(open.dropped >= 50, `dropped ${open.dropped}`);
    // Each started flow = login + logout, each 200 ms.
    assert.ok(open.started <= 20, `started ${open.started}`);
    assert.equal(report.flows!.completed, open.started);
  } finally {
    await server.close();
  }
});
