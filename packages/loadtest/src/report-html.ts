/**
 * Self-contained HTML report: inline CSS, inline SVG charts (latency percentiles over
 * time, throughput over time, error breakdown, memory when watched), the summary tables,
 * and the JSON report embedded for tooling. No script and no external resource.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { STALE_ACCEPT } from './categorize.js';
import type { EndpointReport, LoadtestReport } from './report-json.js';
import { barChart, escapeXml, lineChart } from './svg-charts.js';

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#222;background:#fafafa}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
.meta{color:#555}table{border-collapse:collapse;background:#fff;margin:6px 0}
th,td{border:1px solid #ddd;padding:4px 10px;text-align:right}th:first-child,td:first-child{text-align:left}
th{background:#f0f0f0}.chart{background:#fff;border:1px solid #ddd;margin:8px 0;display:block;max-width:100%;height:auto}
.chart .title{font-weight:600;font-size:14px}.chart .tick,.chart .legend,.chart .label{font-size:11px;fill:#444}
.chart .grid{stroke:#eee}.chart .axis{stroke:#888}.chart .empty{fill:#3c763d;font-size:13px}
.ok{color:#3c763d}.bad{color:#a94442;font-weight:600}
`;

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

export function renderHtmlReport(report: LoadtestReport): string {
  const ts = report.timeseries;
  const xs = ts.map((p) => p.t);
  const latency = lineChart({
    id: 'chart-latency',
    title: 'Latency percentiles over time (all requests, by completion second)',
    yLabel: 'ms',
    xs,
    series: [
      { name: 'p50', color: '#2b8cbe', values: ts.map((p) => p.p50) },
      { name: 'p95', color: '#f0ad4e', values: ts.map((p) => p.p95) },
      { name: 'p99', color: '#d9534f', values: ts.map((p) => p.p99) },
    ],
  });
  const throughput = lineChart({
    id: 'chart-throughput',
    title: 'Throughput over time',
    yLabel: 'requests / s',
    xs,
    series: [
      { name: 'ok / s', color: '#5cb85c', values: ts.map((p) => p.ok) },
      { name: 'failed / s', color: '#d9534f', values: ts.map((p) => p.failed) },
    ],
  });
  const bars = Object.entries(report.errors)
    .sort((a, b) => b[1] - a[1])
    .map(([label, value]) => ({ label, value, color: label === STALE_ACCEPT ? '#7b1fa2' : '#d9534f' }));
  const errorsChart = barChart('chart-errors', 'Error breakdown (whole run)', bars);
  const memorySeries = [
    { name: 'generator RSS', color: '#6f42c1', values: ts.map((p) => p.generator_rss_mb ?? Number.NaN) },
    ...(report.resources.target_rss_source
      ? [{ name: 'target RSS', color: '#20c997', values: ts.map((p) => p.target_rss_mb ?? Number.NaN) }]
      : []),
  ];
  const memory = lineChart({
    id: 'chart-memory',
    title: 'Memory (RSS)',
    yLabel: 'MB',
    xs,
    series: memorySeries,
    connectGaps: true,
  });

  const rows = Object.entries(report.endpoints).map(([n, e]) => endpointRow(n, e));
  rows.push(endpointRow('TOTAL', report.totals));
  const stale = report.errors[STALE_ACCEPT] ?? 0;
  const c = report.config;
  const configRows = Object.entries(c)
    .map(([k, v]) => `<tr><td>${escapeXml(k)}</td><td>${escapeXml(String(v))}</td></tr>`)
    .join('');
  const json = JSON.stringify(report).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>tollgate loadtest — ${escapeXml(c.scenario)} ${escapeXml(String(c.users))} users</title>
<style>${CSS}</style></head><body>
<h1>tollgate loadtest: ${escapeXml(c.scenario)}, ${escapeXml(c.model)} model${c.preset ? `, preset ${escapeXml(c.preset)}` : ''}</h1>
<div class="meta">${escapeXml(c.url)} · ${escapeXml(report.started_at)} · ${report.duration_s.toFixed(1)} s (${escapeXml(report.stop_reason)}) ·
${report.environment.cpus} CPUs (${escapeXml(report.environment.cpu_model)}) · Node ${escapeXml(report.environment.node)}</div>
<h2>Summary</h2>
<p>${report.totals.requests} requests, ${report.totals.rps.toFixed(1)} req/s, success ${(report.totals.success_rate * 100).toFixed(3)} %,
p95 ${fmt(report.totals.latency_ms.p95)} ms, p99 ${fmt(report.totals.latency_ms.p99)} ms;
flows ${report.flows.completed}/${report.flows.started} ok;
<span class="${stale === 0 ? 'ok' : 'bad'}">stale accepts: ${stale}</span>${
    report.open_model
      ? `; open model: dropped ${report.open_model.dropped}, late ${report.open_model.late} of ${report.open_model.scheduled}`
      : ''
  }</p>
<table><thead><tr><th>endpoint</th><th>requests</th><th>req/s</th><th>success</th><th>p50 ms</th><th>p90</th><th>p95</th><th>p99</th><th>p99.9</th><th>max</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table>
<h2>Latency</h2>${latency}
<h2>Throughput</h2>${throughput}
<h2>Errors</h2>${errorsChart}
<h2>Memory</h2>${memory}
<h2>Configuration</h2><table><tbody>${configRows}</tbody></table>
<script type="application/json" id="report-data">${json}</script>
</body></html>
`;
}

export function writeHtmlReport(path: string, report: LoadtestReport): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, renderHtmlReport(report));
}
