/** The plain-text summary printed at the end of a run. */
import type { EndpointReport, LoadtestReport, ThresholdResult } from './report-schema.js';

const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number): string => (s.length >= n ? s : ' '.repeat(n - s.length) + s);
const ms = (v: number): string => v.toFixed(v >= 100 ? 0 : 1);

export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? pad(c, widths[i]!) : lpad(c, widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function row(name: string, e: EndpointReport): string[] {
  const l = e.latency_ms;
  return [
    name,
    String(e.requests),
    e.rps.toFixed(1),
    `${(e.success_rate * 100).toFixed(2)}%`,
    ms(l.p50),
    ms(l.p90),
    ms(l.p95),
    ms(l.p99),
    ms(l.p99_9),
    ms(l.max),
  ];
}

export function formatSummary(report: LoadtestReport): string {
  const c = report.config;
  const head =
    `tollgate loadtest: ${c.scenario} / ${c.model} model` +
    (c.preset ? ` / preset ${c.preset}` : '') +
    ` / ${c.users} users / ${c.generators} generator(s) -> ${c.url}\n` +
    `load phase ${report.duration_s.toFixed(1)} s (${report.stop_reason})` +
    (report.flows ? `; flows ${report.flows.completed}/${report.flows.started} ok` : '') +
    (report.setup.sessions
      ? `; sessions logged in before the start ${report.setup.sessions.logged_in}` +
        (report.setup.sessions.failed > 0 ? ` (${report.setup.sessions.failed} failed)` : '')
      : '');
  const rows = Object.entries(report.endpoints).map(([name, e]) => row(name, e));
  rows.push(row('TOTAL', report.totals));
  const table = formatTable(
    ['endpoint', 'requests', 'req/s', 'success', 'p50 ms', 'p90', 'p95', 'p99', 'p99.9', 'max'],
    rows,
  );
  const errors = Object.entries(report.errors).sort((a, b) => b[1] - a[1]);
  const errorText =
    errors.length === 0 ? 'errors: none' : 'errors: ' + errors.map(([k, v]) => `${k}=${v}`).join(', ');
  const open = report.open_model
    ? `\nopen model: scheduled ${report.open_model.scheduled}, started ${report.open_model.started}, ` +
      `dropped ${report.open_model.dropped}, late ${report.open_model.late}`
    : '';
  const stale = `stale accepts: ${report.stale_accepts}`;
  const aborted =
    report.aborted_requests > 0 ? `\ncancelled at the hard end: ${report.aborted_requests}` : '';
  const thresholds = report.thresholds.length > 0 ? `\n${formatThresholds(report.thresholds)}` : '';
  return `${head}\n${table}\n${errorText}\n${stale}${open}${aborted}${thresholds}`;
}

export function formatThresholds(results: readonly ThresholdResult[]): string {
  const breached = results.filter((r) => !r.ok).length;
  const lines = results.map(
    (r) =>
      `  ${r.ok ? 'ok      ' : 'BREACHED'}  ${r.expression}  (actual ${r.actual === null ? 'no data' : String(r.actual)})`,
  );
  return [
    `thresholds: ${breached === 0 ? 'all met' : `${breached} of ${results.length} breached`}`,
    ...lines,
  ].join('\n');
}
