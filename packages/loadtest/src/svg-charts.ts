/**
 * Hand-written SVG charts for the HTML report: no library, no script, no network.
 * Every chart is a standalone <svg> string.
 */

export interface Series {
  name: string;
  color: string;
  values: number[];
}

export interface LineChartSpec {
  id: string;
  title: string;
  yLabel: string;
  xs: number[];
  series: Series[];
  width?: number;
  height?: number;
  /** Join points across unsampled seconds instead of leaving a gap (gauges). */
  connectGaps?: boolean;
  /** Logarithmic y axis (latencies of very different endpoints); values <= 0 are not drawn. */
  logY?: boolean;
  /** A note under the title (e.g. a dropped partial second). */
  note?: string;
}

export interface ColumnChartSpec {
  id: string;
  title: string;
  yLabel: string;
  categories: string[];
  series: Series[];
  width?: number;
  height?: number;
  note?: string;
}

export interface Bar {
  label: string;
  value: number;
  color?: string;
}

const M = { top: 34, right: 16, bottom: 40, left: 64 };

/**
 * Text widths are estimated, not measured (no script in the report): 0.62 em per
 * character is above the average glyph width of the sans-serif UI fonts the report
 * asks for, so estimated boxes are never smaller than drawn ones.
 */
const EM_PER_CHAR = 0.62;
export const textWidth = (text: string, fontPx: number): number =>
  Math.ceil([...text].length * fontPx * EM_PER_CHAR);
const SMALL_PX = 11;

interface Header {
  parts: string[];
  /** y of the plot area's top edge: below the title, the note and the legend. */
  top: number;
}

/**
 * Title, then the note on its own line, then the legend wrapped to the chart's width:
 * each in its own row, so none can overlap another or the plot.
 */
function chartHeader(
  width: number,
  left: number,
  title: string,
  note: string | undefined,
  series: Series[],
): Header {
  const parts = [`<text class="title" x="${left}" y="18">${escapeXml(title)}</text>`];
  let y = 18;
  if (note) {
    y += 16;
    parts.push(`<text class="note" x="${left}" y="${y}">${escapeXml(note)}</text>`);
  }
  if (series.length > 0) {
    y += 18;
    let x = left;
    for (const s of series) {
      const itemW = 14 + textWidth(s.name, SMALL_PX) + 16;
      if (x > left && x + itemW > width - M.right) {
        x = left;
        y += 16;
      }
      parts.push(
        `<rect class="swatch" x="${x}" y="${y - 9}" width="10" height="10" fill="${s.color}"/>` +
          `<text class="legend" x="${x + 14}" y="${y}">${escapeXml(s.name)}</text>`,
      );
      x += itemW;
    }
  }
  // Room for the top y-tick label, which is centred on the plot's top edge.
  return { parts, top: y + 14 };
}

/** Left margin: the rotated y label, then the widest tick label. */
function leftMargin(tickLabels: string[]): number {
  return Math.max(M.left, 30 + Math.max(0, ...tickLabels.map((t) => textWidth(t, SMALL_PX))));
}

export function escapeXml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/** A "nice" axis maximum and tick step for values up to `max`. */
export function niceScale(max: number, ticks = 5): { max: number; step: number } {
  if (!(max > 0)) return { max: 1, step: 0.2 };
  const raw = max / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  return { max: Math.ceil(max / step) * step, step };
}

/** Decades spanning the positive values: [10^lo, 10^hi]. */
export function logScale(values: number[]): { lo: number; hi: number } {
  const pos = values.filter((v) => Number.isFinite(v) && v > 0);
  if (pos.length === 0) return { lo: 0, hi: 1 };
  const lo = Math.floor(Math.log10(Math.min(...pos)));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(...pos))));
  return { lo, hi };
}

const num = (v: number): string =>
  Math.abs(v) >= 100 || Number.isInteger(v) ? v.toFixed(0) : v.toPrecision(3);
const r2 = (v: number): string => (Math.round(v * 100) / 100).toString();

export function lineChart(spec: LineChartSpec): string {
  const width = spec.width ?? 900;
  const plotH = (spec.height ?? 280) - M.top - M.bottom;
  const xs = spec.xs;
  const xMin = xs[0] ?? 0;
  const xMax = Math.max(xMin + 1, xs[xs.length - 1] ?? 1);
  const all = spec.series.flatMap((s) => s.values.filter(Number.isFinite));
  const { max: yMax, step } = niceScale(Math.max(0, ...all));
  const decades = logScale(all);
  const yTicks: number[] = [];
  if (spec.logY) for (let d = decades.lo; d <= decades.hi; d++) yTicks.push(10 ** d);
  else for (let v = 0; v <= yMax + step / 2; v += step) yTicks.push(v);
  const left = leftMargin(yTicks.map(num));
  const header = chartHeader(width, left, spec.title, spec.note, spec.series);
  const top = header.top;
  const height = top + plotH + M.bottom;
  const w = width - left - M.right;
  const h = plotH;
  const x = (v: number): number => left + ((v - xMin) / (xMax - xMin)) * w;
  const y = spec.logY
    ? (v: number): number => top + h - ((Math.log10(v) - decades.lo) / (decades.hi - decades.lo)) * h
    : (v: number): number => top + h - (Math.max(0, v) / yMax) * h;
  const drawable = (v: number): boolean => Number.isFinite(v) && (!spec.logY || v > 0);

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="${escapeXml(spec.id)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeXml(spec.title)}">`,
    ...header.parts,
  );
  for (const v of yTicks) {
    parts.push(
      `<line class="grid" x1="${left}" x2="${left + w}" y1="${r2(y(v))}" y2="${r2(y(v))}"/>` +
        `<text class="tick" x="${left - 6}" y="${r2(y(v) + 4)}" text-anchor="end">${num(v)}</text>`,
    );
  }
  const xStep = Math.max(1, niceScale(xMax - xMin, 8).step);
  for (let v = xMin; v <= xMax + xStep / 2; v += xStep) {
    parts.push(
      `<text class="tick" x="${r2(x(v))}" y="${top + h + 16}" text-anchor="middle">${num(v)}</text>`,
    );
  }
  parts.push(
    `<line class="axis" x1="${left}" x2="${left}" y1="${top}" y2="${top + h}"/>` +
      `<line class="axis" x1="${left}" x2="${left + w}" y1="${top + h}" y2="${top + h}"/>`,
  );
  parts.push(`<text class="label" x="${left + w / 2}" y="${height - 6}" text-anchor="middle">seconds</text>`);
  parts.push(
    `<text class="label" transform="translate(14 ${top + h / 2}) rotate(-90)" text-anchor="middle">${escapeXml(spec.yLabel + (spec.logY ? ' (log scale)' : ''))}</text>`,
  );
  for (const s of spec.series) {
    // Non-finite values (not sampled) and, on a log axis, zeros leave a gap in the line.
    const pts = xs.map((xv, j) => [xv, s.values[j] ?? Number.NaN] as const).filter(([, yv]) => drawable(yv));
    if (pts.length === 0) continue;
    let prev: number | undefined;
    const d = pts
      .map(([xv, yv]) => {
        const cmd = prev === undefined || (!spec.connectGaps && xv - prev > 1) ? 'M' : 'L';
        prev = xv;
        return `${cmd}${r2(x(xv))} ${r2(y(yv))}`;
      })
      .join(' ');
    parts.push(
      `<path class="series" data-series="${escapeXml(s.name)}" d="${d}" fill="none" stroke="${s.color}" stroke-width="1.8"/>`,
    );
    if (pts.length <= 300) {
      for (const [xv, yv] of pts) {
        parts.push(
          `<circle class="point" cx="${r2(x(xv))}" cy="${r2(y(yv))}" r="2" fill="${s.color}"><title>${escapeXml(s.name)} t=${xv}s: ${num(yv)}</title></circle>`,
        );
      }
    }
  }
  parts.push('</svg>');
  return parts.join('\n');
}

/**
 * Vertical grouped columns: one group per category, one column per series. Category
 * labels that would not fit side by side are thinned to every n-th.
 */
export function columnChart(spec: ColumnChartSpec): string {
  const width = spec.width ?? 900;
  const plotH = (spec.height ?? 300) - M.top - M.bottom;
  const { max: yMax, step } = niceScale(Math.max(0, ...spec.series.flatMap((s) => s.values)));
  const yTicks: number[] = [];
  for (let v = 0; v <= yMax + step / 2; v += step) yTicks.push(v);
  const left = leftMargin(yTicks.map(num));
  const header = chartHeader(width, left, spec.title, spec.note, spec.series);
  const top = header.top;
  const h = plotH;
  const height = top + h + M.bottom;
  const w = width - left - M.right;
  const groupW = w / Math.max(1, spec.categories.length);
  const colW = Math.max(1, (groupW * 0.8) / Math.max(1, spec.series.length));
  const y = (v: number): number => top + h - (Math.max(0, v) / yMax) * h;
  const widest = Math.max(0, ...spec.categories.map((c) => textWidth(c, SMALL_PX)));
  const labelEvery = Math.max(1, Math.ceil((widest + 6) / groupW));
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="${escapeXml(spec.id)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeXml(spec.title)}">`,
    ...header.parts,
  ];
  for (const v of yTicks) {
    parts.push(
      `<line class="grid" x1="${left}" x2="${left + w}" y1="${r2(y(v))}" y2="${r2(y(v))}"/>` +
        `<text class="tick" x="${left - 6}" y="${r2(y(v) + 4)}" text-anchor="end">${num(v)}</text>`,
    );
  }
  spec.categories.forEach((c, i) => {
    const gx = left + i * groupW;
    if (i % labelEvery === 0) {
      parts.push(
        `<text class="tick" x="${r2(gx + groupW / 2)}" y="${top + h + 16}" text-anchor="middle">${escapeXml(c)}</text>`,
      );
    }
    spec.series.forEach((s, j) => {
      const v = s.values[i] ?? 0;
      if (!(v > 0)) return;
      const barTop = y(v);
      parts.push(
        `<rect class="bar" x="${r2(gx + groupW * 0.1 + j * colW)}" y="${r2(barTop)}" width="${r2(colW)}" height="${r2(Math.max(1, top + h - barTop))}" fill="${s.color}"><title>${escapeXml(s.name)} ${escapeXml(c)}: ${num(v)}</title></rect>`,
      );
    });
  });
  parts.push(
    `<line class="axis" x1="${left}" x2="${left}" y1="${top}" y2="${top + h}"/>` +
      `<line class="axis" x1="${left}" x2="${left + w}" y1="${top + h}" y2="${top + h}"/>`,
    `<text class="label" x="${left + w / 2}" y="${height - 6}" text-anchor="middle">latency (ms, upper bound of the bin)</text>`,
    `<text class="label" transform="translate(14 ${top + h / 2}) rotate(-90)" text-anchor="middle">${escapeXml(spec.yLabel)}</text>`,
  );
  parts.push('</svg>');
  return parts.join('\n');
}

/** Horizontal bar chart (error breakdown). */
export function barChart(id: string, title: string, bars: Bar[], width = 900): string {
  const rowH = 24;
  const labelW = Math.max(200, 16 + Math.max(0, ...bars.map((b) => textWidth(b.label, SMALL_PX))));
  const height = M.top + Math.max(1, bars.length) * rowH + 20;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const w = width - labelW - 16 - Math.max(0, ...bars.map((b) => textWidth(String(b.value), SMALL_PX))) - 6;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="${escapeXml(id)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeXml(title)}">`,
    `<text class="title" x="${M.left}" y="18">${escapeXml(title)}</text>`,
  ];
  if (bars.length === 0) {
    parts.push(`<text class="empty" x="${labelW}" y="${M.top + 16}">no errors</text>`);
  }
  bars.forEach((b, i) => {
    const yTop = M.top + i * rowH;
    const bw = Math.max(2, (b.value / max) * w);
    parts.push(
      `<text class="tick" x="${labelW - 8}" y="${yTop + 15}" text-anchor="end">${escapeXml(b.label)}</text>` +
        `<rect class="bar" x="${labelW}" y="${yTop + 3}" width="${r2(bw)}" height="${rowH - 6}" fill="${b.color ?? '#d9534f'}"><title>${escapeXml(b.label)}: ${b.value}</title></rect>` +
        `<text class="tick" x="${r2(labelW + bw + 6)}" y="${yTop + 15}">${b.value}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}
