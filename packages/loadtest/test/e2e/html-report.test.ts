/**
 * The HTML report in headless Chromium: every chart is drawn (SVG paths / bars with a
 * non-zero size), nothing is fetched from the network, and a screenshot is taken
 * (kept at $LOADTEST_SCREENSHOT when set, for a human look).
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
import { startFakeAuthServer } from '../helpers/fake-auth-server.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

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
        duration: '3',
        verifiesPerFlow: '2',
        quiet: true,
      });
      const report = await runLoadtest(run, { mode: 'inline', log: () => undefined });
      assert.ok((report.errors.stale_accept ?? 0) > 0);
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
        'chart-errors',
        'chart-latency',
        'chart-memory',
        'chart-throughput',
      ]);
      for (const c of charts) assert.ok(c.width > 100 && c.height > 50, `${c.id} has a size`);
      for (const id of ['chart-latency', 'chart-throughput']) {
        const c = by.get(id)!;
        assert.ok(c.paths.length >= 2, `${id}: series drawn`);
        assert.ok(
          c.paths.some((p) => p.w > 100 && p.h > 0),
          `${id}: a series spans the chart (${JSON.stringify(c.paths)})`,
        );
        assert.ok(c.points >= 6, `${id}: points`);
      }
      assert.ok(by.get('chart-errors')!.bars >= 1, 'error bars drawn');
      assert.equal(await page.locator('text=stale accepts:').count(), 1);
      assert.deepEqual(external, [], 'no network requests');

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
