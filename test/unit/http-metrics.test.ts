import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AggregatorRegistry, Histogram, Registry } from 'prom-client';
import { HTTP_DURATION_BUCKETS, registerHttpMetrics } from '../../src/metrics/http.js';

const OBSERVATIONS: Array<[string, string | undefined, number, number]> = [
  ['GET', '/api/protected', 200, 0.0004],
  ['GET', '/api/protected', 200, 0.001],
  ['GET', '/api/protected', 200, 0.0031],
  ['GET', '/api/protected', 401, 0.02],
  ['POST', '/auth/login', 200, 0.3],
  ['GET', undefined, 404, 0.0002],
  ['BREW', '/api/protected', 405, 11],
  ['PROPFIND', '/api/protected', 405, 0.5],
];

/** The same observations through a plain prom-client Histogram, the reference. */
function reference(): Registry {
  const registry = new Registry();
  const h = new Histogram({
    name: 'http_server_request_duration_seconds',
    help: 'Duration of HTTP server requests',
    labelNames: ['http_request_method', 'http_route', 'http_response_status_code'],
    buckets: [...HTTP_DURATION_BUCKETS],
    registers: [registry],
  });
  for (const [method, route, status, s] of OBSERVATIONS) {
    const labels: Record<string, string | number> = {
      http_request_method: ['GET', 'POST'].includes(method) ? method : '_OTHER',
      http_response_status_code: status,
    };
    if (route !== undefined) labels.http_route = route;
    h.observe(labels, s);
  }
  return registry;
}

function ours(): Registry {
  const registry = new Registry();
  const m = registerHttpMetrics(registry);
  for (const [method, route, status, s] of OBSERVATIONS) m.observe(method, route, status, s);
  return registry;
}

const lines = (text: string) => text.split('\n').filter(Boolean).sort();

describe('http_server_request_duration_seconds', () => {
  it('exports exactly what a prom-client Histogram would, in both text formats', async () => {
    assert.deepEqual(lines(await ours().metrics()), lines(await reference().metrics()));
    const a = ours();
    const b = reference();
    a.setContentType(Registry.OPENMETRICS_CONTENT_TYPE as never);
    b.setContentType(Registry.OPENMETRICS_CONTENT_TYPE as never);
    assert.deepEqual(lines(await a.metrics()), lines(await b.metrics()));
  });

  it('adds up across workers like a histogram, and resets', async () => {
    const merged = AggregatorRegistry.aggregate([
      await ours().getMetricsAsJSON(),
      await ours().getMetricsAsJSON(),
    ] as never);
    const text = await merged.metrics();
    assert.match(
      text,
      /http_server_request_duration_seconds_count\{http_request_method="GET",http_response_status_code="200",http_route="\/api\/protected"\} 6\n/,
    );
    assert.match(
      text,
      /http_server_request_duration_seconds_bucket\{le="0.001",http_request_method="GET",http_response_status_code="200",http_route="\/api\/protected"\} 4\n/,
    );
    const registry = ours();
    registry.resetMetrics();
    assert.doesNotMatch(await registry.metrics(), /_count\{/);
  });
});
