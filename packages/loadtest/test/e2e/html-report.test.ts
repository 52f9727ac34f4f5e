/**
 * The HTML report in headless Chromium: every chart is drawn (SVG paths / bars with a
 * non-zero size; latency on a log axis per endpoint, the histogram, users and requests in
 * flight), thresholds and status codes are shown, nothing is fetched from the network,
 * and a screenshot is taken (kept at $LOADTEST_SCREENSHOT when set, for a human look).
 * The layout is checked from the boxes Chromium lays out: no two text boxes of a chart
 * (titles, notes, legends, axis labels, ticks) overlap, none leaves its chart, no bar
 * runs into the title, note or legend, no two series of a chart share a colour, and the
 * configuration table prints no `null`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { resolveRunConfig } from '../../src/config.js';
import { writeHtmlReport } from '../../src/report-html.js';
import { runLoadtest } from '../../src/runner.js';
import { evaluateThresholds, parseThreshold } from '../../src/thresholds.js';
import { startFakeAuthServer } from '../helpers/fake-auth-server.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

interface Box {
  kind: string;
  text: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

interface ChartLayout {
  id: string;
  svg: Box;
  texts: Box[];
  bars: Box[];
  swatches: { box: Box; fill: string }[];
}

/** The boxes Chromium laid out for every chart (a string: no DOM lib in this project's TypeScript). */
const LAYOUT_SCRIPT = `(() => {
  const box = (el, kind) => {
    const r = el.getBoundingClientRect();
    return { kind, text: (el.textContent || '').trim(), x: r.x, y: r.y, w: r.width, h: r.height };
  };
  return [...document.querySelectorAll('svg.chart')].map((svg) => ({
    id: svg.id,
    svg: box(svg, 'svg'),
    texts: [...svg.querySelectorAll(':scope > text')].map((t) => box(t, t.getAttribute('class') || 'text')),
    bars: [...svg.querySelectorAll('rect.bar')].map((r) => box(r, 'bar')),
    swatches: [...svg.querySelectorAll('rect.swatch')].map((r) => ({ box: box(r, 'swatch'), fill: r.getAttribute('fill') })),
  }));
})()`;

/** Overlap area of two boxes, each shrunk by `slack` px on every side. */
function overlap(a: Box, b: Box, slack = 0.5): number {
  const w = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x) - 2 * slack;
  const h = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y) - 2 * slack;
  return w > 0 && h > 0 ? w * h : 0;
}

const inside = (inner: Box, outer: Box, slack = 1): boolean =>
  inner.x >= outer.x - slack &&
  inner.y >= outer.y - slack &&
  inner.x + inner.w <= outer.x + outer.w + slack &&
  inner.y + inner.h <= outer.y + outer.h + slack;

const label = (b: Box): string => `${b.kind} "${b.text}"`;

/** Every layout defect of the charts, one line each; empty when the layout is clean. */
function layoutProblems(charts: ChartLayout[]): string[] {
  const problems: string[] = [];
  for (const c of charts) {
    for (const t of c.texts) {
      if (!inside(t, c.svg)) problems.push(`${c.id}: ${label(t)} is cut off by the chart's edge`);
    }
    for (let i = 0; i < c.texts.length; i++) {
      for (let j = i + 1; j < c.texts.length; j++) {
        if (overlap(c.texts[i]!, c.texts[j]!) > 0) {
          problems.push(`${c.id}: ${label(c.texts[i]!)} overlaps ${label(c.texts[j]!)}`);
        }
      }
    }
    const header = [
      ...c.texts.filter((t) => ['title', 'note', 'legend'].includes(t.kind)),
      ...c.swatches.map((s) => s.box),
    ];
    for (const bar of c.bars) {
      for (const h of header) {
        if (overlap(bar, h, 0) > 0) problems.push(`${c.id}: a bar runs into ${label(h)}`);
      }
    }
    const fills = c.swatches.map((s) => s.fill);
    const shared = fills.filter((f, i) => fills.indexOf(f) !== i);
    if (shared.length > 0)
      problems.push(`${c.id}: series share the colour ${[...new Set(shared)].join(', ')}`);
  }
  return problems;
}

interface ChartInfo {
  id: string;
  width: number;
  height: number;
  paths: { d: number; w: number; h: number }[];
  bars: number;
  points: number;
}

test(
  'the HTML report draws its charts in a real browser, offline',
  { skip: !existsSync(CHROMIUM) },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lt-html-'));
    const fake = await startFakeAuthServer({ staleAfterLogout: true });
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 20_000 });
    try {
      // A 3 s run with stale accepts, so the error chart has bars too.
      const run = resolveRunConfig({
        url: fake.url,
        users: '8',
        duration: '4',
        verifiesPerFlow: '2',
        refreshProbability: '0.5',
        quiet: true,
      });
      const report = await runLoadtest(run, { mode: 'inline', log: () => undefined });
      assert.ok(report.stale_accepts > 0);
      report.thresholds = evaluateThresholds(report, [
        parseThreshold('verify.p95<10000'),
        parseThreshold('stale_accepts==0'),
      ]);
      const file = join(dir, 'report.html');
      writeHtmlReport(file, report);

      const page = await browser.newPage({ viewport: { width: 1000, height: 1200 } });
      const external: string[] = [];
      page.on('request', (req) => {
        if (!req.url().startsWith('file:')) external.push(req.url());
      });
      await page.goto(pathToFileURL(file).href, { timeout: 10_000 });
      // Runs in the page (a string: this project's TypeScript has no DOM lib).
      const charts = await page.evaluate<
        ChartInfo[]
      >(`[...document.querySelectorAll('svg.chart')].map((svg) => {
      const box = svg.getBoundingClientRect();
      return {
        id: svg.id,
        width: box.width,
        height: box.height,
        paths: [...svg.querySelectorAll('path.series')].map((p) => {
          const b = p.getBBox();
          return { d: (p.getAttribute('d') || '').length, w: b.width, h: b.height };
        }),
        bars: [...svg.querySelectorAll('rect.bar')].filter((r) => r.getBBox().width > 0).length,
        points: svg.querySelectorAll('circle.point').length,
      };
    })`);
      const by = new Map<string, ChartInfo>(charts.map((c) => [c.id, c]));
      assert.deepEqual([...by.keys()].sort(), [
        'chart-concurrency',
        'chart-errors',
        'chart-histogram',
        'chart-latency-login',
        'chart-latency-logout',
        'chart-latency-refresh',
        'chart-latency-revoked_check',
        'chart-latency-verify',
        'chart-memory',
        'chart-throughput',
      ]);
      for (const c of charts) assert.ok(c.width > 100 && c.height > 50, `${c.id} has a size`);
      for (const id of [
        'chart-latency-login',
        'chart-latency-verify',
        'chart-throughput',
        'chart-concurrency',
      ]) {
        const c = by.get(id)!;
        assert.ok(c.paths.length >= 2 && c.paths.every((p) => p.d > 0), `${id}: series drawn`);
        assert.ok(c.points >= 4, `${id}: points`);
      }
      // Requests complete in every second: these span the chart whatever the machine's load.
      for (const id of ['chart-throughput', 'chart-concurrency']) {
        const c = by.get(id)!;
        assert.ok(
          c.paths.some((p) => p.w > 100),
          `${id}: a series spans the chart (${JSON.stringify(c.paths)})`,
        );
      }
      assert.ok(by.get('chart-errors')!.bars >= 1, 'error bars drawn');
      assert.ok(by.get('chart-histogram')!.bars >= 4, 'histogram columns drawn');
      assert.equal(await page.locator('text=stale accepts:').count(), 1);
      // Thresholds, with the breached one marked; status codes per endpoint.
      assert.equal(await page.locator('#thresholds td.bad').textContent(), 'BREACHED');
      assert.match(
        (await page.locator('h2', { hasText: 'Thresholds' }).textContent()) ?? '',
        /1 of 2 breached/,
      );
      assert.match((await page.locator('#status-codes').textContent()) ?? '', /revoked_check/);
      // The last partial second is not drawn, and the charts say so.
      if (report.timeseries.at(-1)?.partial) {
        assert.ok((await page.locator('svg#chart-throughput text.note').count()) === 1);
      }
      // Log axis: decade ticks on the latency charts.
      const ticks = await page.locator('svg#chart-latency-login text.tick').allTextContents();
      assert.ok(
        ticks.some((t) => /^(1|10|100|1000)$/.test(t)),
        `decade ticks: ${ticks.join(' ')}`,
      );
      assert.deepEqual(external, [], 'no network requests');

      // Layout: the boxes as laid out, with a check that the check sees text at all.
      const layout = await page.evaluate<ChartLayout[]>(LAYOUT_SCRIPT);
      assert.ok(layout.every((c) => c.texts.some((t) => t.kind === 'title' && t.w > 0)));
      assert.ok(
        layout.find((c) => c.id === 'chart-throughput')!.swatches.length >= 7,
        'all series in the legend',
      );
      assert.deepEqual(layoutProblems(layout), []);
      const config = (await page.locator('#config').textContent()) ?? '';
      assert.doesNotMatch(config, /null|undefined/);
      assert.match(config, /presetnot set/);

      const png = join(dir, 'report.png');
      await page.screenshot({ path: png, fullPage: true });
      assert.ok(statSync(png).size > 10_000);
      if (process.env.LOADTEST_SCREENSHOT) copyFileSync(png, process.env.LOADTEST_SCREENSHOT);
    } finally {
      await browser.close();
      await fake.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
