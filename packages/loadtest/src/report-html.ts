/**
 * Self-contained HTML report: inline CSS and inline SVG, no script and no external
 * resource. Summary, thresholds, per-endpoint table and status codes; charts of each
 * endpoint's latency over time (log scale), the latency histogram, throughput, active
 * users and requests in flight, the error breakdown and memory; the configuration; and
 * the JSON report embedded for tooling. A last partial second is not drawn (it would
 * look like a drop) and the charts say so.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { STALE_ACCEPT } from './categorize.js';
import type { EndpointReport, LoadtestReport, TimePoint } from './report-schema.js';
import { barChart, columnChart, escapeXml, lineChart } from './svg-charts.js';

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#222;background:#fafafa}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
.meta{color:#555}table{border-collapse:collapse;background:#fff;margin:6px 0}
th,td{border:1px solid #ddd;padding:4px 10px;text-align:right}th:first-child,td:first-child{text-align:left}
th{background:#f0f0f0}.chart{background:#fff;border:1px solid #ddd;margin:8px 0;display:block;max-width:100%;height:auto}
.chart .title{font-weight:600;font-size:14px}.chart .tick,.chart .legend,.chart .label{font-size:11px;fill:#444}
.chart .note{font-size:11px;fill:#8a6d3b}.chart .grid{stroke:#eee}.chart .axis{stroke:#888}.chart .empty{fill:#3c763d;font-size:13px}
.unset{color:#888;font-style:italic}.ok{color:#3c763d}.bad{color:#a94442;font-weight:600}.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(440px,1fr));gap:0 12px}
`;

/**
 * One colour per endpoint, none of them the red of `failed / s` or of the error bars, so
 * no two series of a chart share a colour (the throughput chart draws them together).
 */
const ENDPOINT_COLORS: Record<string, string> = {
  login: '#6f42c1',
  verify: '#2b8cbe',
  refresh: '#20c997',
  logout: '#f0ad4e',
  revoked_check: '#8c564b',
};
const FAILED_COLOR = '#d9534f';

const fmt = (v: number): string => (v >= 100 ? v.toFixed(0) : v.toFixed(1));

function endpointRow(name: string, e: EndpointReport): string {
  const l = e.latency_ms;
  const cells = [
    e.requests,
    e.rps.toFixed(1),
    `${(e.success_rate * 100).toFixed(2)} %`,
    fmt(l.p50),
    fmt(l.p90),
    fmt(l.p95),
    fmt(l.p99),
    fmt(l.p99_9),
    fmt(l.max),
  ];
  return `<tr><td>${escapeXml(name)}</td>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
}

function statusTable(report: LoadtestReport): string {
  const codes = [...new Set(Object.values(report.endpoints).flatMap((e) => Object.keys(e.statuses)))].sort(
    (a, b) => Number(a) - Number(b),
  );
  const head = codes.map((c) => `<th>${c === '0' ? 'no response' : escapeXml(c)}</th>`).join('');
  const rows = Object.entries(report.endpoints)
    .map(
      ([name, e]) =>
        `<tr><td>${escapeXml(name)}</td>${codes.map((c) => `<td>${e.statuses[c] ?? 0}</td>`).join('')}</tr>`,
    )
    .join('\n');
  return `<table id="status-codes"><thead><tr><th>endpoint</th>${head}</tr></thead><tbody>${rows}</tbody></table>`;
}

function thresholdSection(report: LoadtestReport): string {
  if (report.thresholds.length === 0) return '';
  const breached = report.thresholds.filter((t) => !t.ok).length;
  const rows = report.thresholds
    .map(
      (t) =>
        `<tr><td>${escapeXml(t.expression)}</td><td>${t.actual === null ? 'no data' : t.actual}</td>` +
        `<td class="${t.ok ? 'ok' : 'bad'}">${t.ok ? 'ok' : 'BREACHED'}</td></tr>`,
    )
    .join('\n');
  return `<h2>Thresholds: <span class="${breached === 0 ? 'ok' : 'bad'}">${
    breached === 0 ? 'all met' : `${breached} of ${report.thresholds.length} breached`
  }</span></h2>
<table id="thresholds"><thead><tr><th>threshold</th><th>actual</th><th>result</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** The charts' points: whole seconds only (a last partial second is left out and noted). */
function chartPoints(report: LoadtestReport): { ts: TimePoint[]; note: string | undefined } {
  const last = report.timeseries[report.timeseries.length - 1];
  if (last?.partial) {
    return {
      ts: report.timeseries.slice(0, -1),
      note: `last partial second (t=${last.t} s, ${last.requests} requests) not drawn`,
    };
  }
  return { ts: report.timeseries, note: undefined };
}

function histogramChart(report: LoadtestReport): string {
  const bounds = report.latency_bins_ms;
  const names = Object.keys(report.endpoints);
  // Bins from the first to the last with any request.
  let lo = Number.POSITIVE_INFINITY;
  let hi = -1;
  for (const name of names) {
    report.endpoints[name]!.histogram.forEach((n, i) => {
      if (n > 0) {
        lo = Math.min(lo, i);
        hi = Math.max(hi, i);
      }
    });
  }
  if (hi < 0) {
    lo = 0;
    hi = 0;
  }
  const categories: string[] = [];
  for (let i = lo; i <= hi; i++)
    categories.push(i < bounds.length ? `≤${bounds[i]}` : `>${bounds[bounds.length - 1]}`);
  return columnChart({
    id: 'chart-histogram',
    title: 'Latency histogram (share of each endpoint’s requests per bin, log-spaced bins)',
    yLabel: '% of requests',
    categories,
    series: names.map((name) => {
      const e = report.endpoints[name]!;
      return {
        name,
        color: ENDPOINT_COLORS[name] ?? '#555',
        values: e.histogram.slice(lo, hi + 1).map((n) => (e.requests === 0 ? 0 : (n / e.requests) * 100)),
      };
    }),
  });
}

export function renderHtmlReport(report: LoadtestReport): string {
  const { ts, note } = chartPoints(report);
  const xs = ts.map((p) => p.t);
  const latencyCharts = Object.keys(report.endpoints).map((name) =>
    lineChart({
      id: `chart-latency-${name}`,
      title: `${name}: latency over time`,
      yLabel: 'ms',
      xs,
      logY: true,
      width: 600,
      height: 260,
      note,
      series: [
        { name: 'p50', color: '#2b8cbe', values: ts.map((p) => p.endpoints[name]?.p50 ?? Number.NaN) },
        { name: 'p95', color: '#f0ad4e', values: ts.map((p) => p.endpoints[name]?.p95 ?? Number.NaN) },
        { name: 'p99', color: '#d9534f', values: ts.map((p) => p.endpoints[name]?.p99 ?? Number.NaN) },
      ],
    }),
  );
  const throughput = lineChart({
    id: 'chart-throughput',
    title: 'Throughput over time (by completion second)',
    yLabel: 'requests / s',
    xs,
    note,
    series: [
      { name: 'ok / s', color: '#5cb85c', values: ts.map((p) => p.ok) },
      { name: 'failed / s', color: FAILED_COLOR, values: ts.map((p) => p.failed) },
      ...Object.keys(report.endpoints).map((name) => ({
        name: `${name} / s`,
        color: ENDPOINT_COLORS[name] ?? '#555',
        values: ts.map((p) => p.endpoints[name]?.requests ?? 0),
      })),
    ],
  });
  const concurrency = lineChart({
    id: 'chart-concurrency',
    title: 'Active users and requests in flight (sampled each second)',
    yLabel: 'count',
    xs,
    note,
    connectGaps: true,
    series: [
      { name: 'active users', color: '#6f42c1', values: ts.map((p) => p.active_users ?? Number.NaN) },
      { name: 'in flight', color: '#2b8cbe', values: ts.map((p) => p.in_flight ?? Number.NaN) },
    ],
  });
  const bars = Object.entries(report.errors)
    .sort((a, b) => b[1] - a[1])
    .map(([label, value]) => ({ label, value, color: label === STALE_ACCEPT ? '#7b1fa2' : FAILED_COLOR }));
  const errorsChart = barChart('chart-errors', 'Error breakdown (whole run)', bars);
  const memory = lineChart({
    id: 'chart-memory',
    title: 'Memory (RSS)',
    yLabel: 'MB',
    xs,
    connectGaps: true,
    series: [
      { name: 'generator RSS', color: '#6f42c1', values: ts.map((p) => p.generator_rss_mb ?? Number.NaN) },
      ...(report.resources.target_rss_source
        ? [{ name: 'target RSS', color: '#20c997', values: ts.map((p) => p.target_rss_mb ?? Number.NaN) }]
        : []),
    ],
  });

  const rows = Object.entries(report.endpoints).map(([n, e]) => endpointRow(n, e));
  rows.push(endpointRow('TOTAL', report.totals));
  const stale = report.stale_accepts;
  const c = report.config;
  // An option the run did not use (no preset, a duration instead of iterations) is "not set".
  const configRows = Object.entries(c)
    .map(
      ([k, v]) =>
        `<tr><td>${escapeXml(k)}</td>${
          v === null || v === undefined
            ? '<td class="unset">not set</td>'
            : `<td>${escapeXml(String(v))}</td>`
        }</tr>`,
    )
    .join('');
  const flows = report.flows ? `flows ${report.flows.completed}/${report.flows.started} ok; ` : '';
  const sessions = report.setup.sessions
    ? `sessions logged in before the start: ${report.setup.sessions.logged_in}` +
      (report.setup.sessions.failed > 0 ? ` (${report.setup.sessions.failed} failed)` : '') +
      '; '
    : '';
  const json = JSON.stringify(report).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>tollgate loadtest — ${escapeXml(c.scenario)} ${escapeXml(String(c.users))} users</title>
<style>${CSS}</style></head><body>
<h1>tollgate loadtest: ${escapeXml(c.scenario)}, ${escapeXml(c.model)} model${c.preset ? `, preset ${escapeXml(c.preset)}` : ''}</h1>
<div class="meta">${escapeXml(c.url)} · ${escapeXml(report.started_at)} · ${report.duration_s.toFixed(1)} s (${escapeXml(report.stop_reason)}) ·
${report.environment.cpus} CPUs (${escapeXml(report.environment.cpu_model)}) · Node ${escapeXml(report.environment.node)} · tool ${escapeXml(report.tool.version)}</div>
<h2>Summary</h2>
<p id="summary">${report.totals.requests} requests, ${report.totals.rps.toFixed(1)} req/s, success ${(report.totals.success_rate * 100).toFixed(3)} %,
p95 ${fmt(report.totals.latency_ms.p95)} ms, p99 ${fmt(report.totals.latency_ms.p99)} ms;
${flows}${sessions}<span class="${stale === 0 ? 'ok' : 'bad'}">stale accepts: ${stale}</span>${
    report.open_model
      ? `; open model: dropped ${report.open_model.dropped}, late ${report.open_model.late} of ${report.open_model.scheduled}`
      : ''
  }</p>
${thresholdSection(report)}
<table id="endpoints"><thead><tr><th>endpoint</th><th>requests</th><th>req/s</th><th>success</th><th>p50 ms</th><th>p90</th><th>p95</th><th>p99</th><th>p99.9</th><th>max</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table>
<h2>Status codes</h2>${statusTable(report)}
<h2>Latency by endpoint</h2><div class="charts">${latencyCharts.join('\n')}</div>
${histogramChart(report)}
<h2>Throughput</h2>${throughput}
<h2>Users and requests in flight</h2>${concurrency}
<h2>Errors</h2>${errorsChart}
<h2>Memory</h2>${memory}
<h2>Configuration</h2><table id="config"><tbody>${configRows}</tbody></table>
<script type="application/json" id="report-data">${json}</script>
</body></html>
`;
}

export function writeHtmlReport(path: string, report: LoadtestReport): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, renderHtmlReport(report));
}
