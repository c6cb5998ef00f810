// Small inline-SVG charts for the HTML report and the teaching page: no
// scripts, no network. Each scales to its container (style max-width: 100%);
// `width` and `legend: 'below'` lay a chart out for a narrow screen.

const W = 640, H = 320, M = { l: 56, r: 150, t: 28, b: 44 };

/** Size and legend place of one chart; the defaults are the report's. */
export interface ChartLayout {
  width?: number;
  height?: number;
  /** 'right' (default) beside the plot, or 'below' it, for narrow screens */
  legend?: 'right' | 'below';
}

// the plot's margins for a layout with `entries` legend entries
function box(o: ChartLayout, entries: number) {
  const w = o.width ?? W, below = o.legend === 'below';
  const rows = below ? Math.ceil(entries / 2) : 0;
  const h = (o.height ?? H) + rows * 16;
  const m = { l: M.l, r: below ? 16 : M.r, t: M.t, b: M.b + rows * 16 };
  // legend entry i: where its swatch starts and its text's baseline
  const at = (i: number) => (below
    ? { x: m.l + (i % 2) * ((w - m.l - m.r) / 2), y: h - m.b + 40 + Math.floor(i / 2) * 16 }
    : { x: w - m.r + 10, y: m.t + 8 + i * 16 });
  return { w, h, m, at };
}
export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf', '#393b79', '#637939', '#8c6d31', '#843c39', '#7b4173', '#3182bd', '#e6550d'];

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const fmt = (x: number) => (Number.isInteger(x) ? String(x) : Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2));

function ticks(lo: number, hi: number, n = 5): number[] {
  const step0 = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0) ?? step0;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(+v.toFixed(10));
  return out;
}

function frame(title: string, xLabel: string, yLabel: string, body: string, w = W, h = H, m = M, xAt = h - 8, label = title): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" style="max-width:100%;height:auto" role="img" aria-label="${esc(label)}">
<text x="${m.l}" y="18" font-size="14" font-weight="600">${esc(title)}</text>
<text x="${m.l + (w - m.l - m.r) / 2}" y="${xAt}" font-size="12" text-anchor="middle">${esc(xLabel)}</text>
<text transform="translate(14 ${m.t + (h - m.t - m.b) / 2}) rotate(-90)" font-size="12" text-anchor="middle">${esc(yLabel)}</text>
${body}</svg>`;
}

export interface Series {
  name: string;
  xs: number[];
  ys: (number | null)[];
  color?: string;
  dashed?: boolean;
}

/**
 * Lines over a shared x axis; `logX` for doubling x values such as N in
 * best-of-N; `marker` draws a labelled vertical line (e.g. the best epoch);
 * `label` is the text alternative (default the title).
 */
export function lineChart(title: string, xLabel: string, yLabel: string, series: Series[], opts: { logX?: boolean; yMin?: number; yMax?: number; marker?: { x: number; label: string }; label?: string } & ChartLayout = {}): string {
  const { w: W, h: H, m: M, at } = box(opts, series.length);
  const xs = series.flatMap((s) => s.xs);
  const ys = series.flatMap((s) => s.ys.filter((y): y is number => y !== null && Number.isFinite(y)));
  if (!xs.length || !ys.length) return frame(title, xLabel, yLabel, '<text x="100" y="100">no data</text>', W, H, M, H - M.b + 34, opts.label);
  const fx = (x: number) => (opts.logX ? Math.log2(x) : x);
  const x0 = Math.min(...xs.map(fx)), x1 = Math.max(...xs.map(fx));
  let y0 = opts.yMin ?? Math.min(...ys), y1 = opts.yMax ?? Math.max(...ys);
  if (y1 - y0 < 1e-9) { y0 -= 0.5; y1 += 0.5; }
  const pad = (y1 - y0) * 0.05;
  y0 -= opts.yMin === undefined ? pad : 0;
  y1 += opts.yMax === undefined ? pad : 0;
  const px = (x: number) => M.l + ((fx(x) - x0) / (x1 - x0 || 1)) * (W - M.l - M.r);
  const py = (y: number) => H - M.b - ((y - y0) / (y1 - y0)) * (H - M.t - M.b);
  let body = `<rect x="${M.l}" y="${M.t}" width="${W - M.l - M.r}" height="${H - M.t - M.b}" fill="#fafafa" stroke="#ccc"/>`;
  for (const t of ticks(y0, y1)) body += `<line x1="${M.l}" x2="${W - M.r}" y1="${py(t)}" y2="${py(t)}" stroke="#e5e5e5"/><text x="${M.l - 6}" y="${py(t) + 4}" font-size="11" text-anchor="end">${fmt(t)}</text>`;
  const xt = opts.logX ? [...new Set(xs)].sort((a, b) => a - b) : ticks(x0, x1);
  for (const t of xt) body += `<text x="${px(t)}" y="${H - M.b + 16}" font-size="11" text-anchor="middle">${fmt(t)}</text>`;
  if (opts.marker) {
    const x = px(opts.marker.x);
    body += `<line x1="${x}" x2="${x}" y1="${M.t}" y2="${H - M.b}" stroke="#555" stroke-dasharray="2 3"/><text x="${x + 3}" y="${M.t + 12}" font-size="10" fill="#555">${esc(opts.marker.label)}</text>`;
  }
  series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    let d = '', pen = false;
    s.xs.forEach((x, j) => {
      const y = s.ys[j];
      if (y === null || !Number.isFinite(y)) { pen = false; return; }
      d += `${pen ? 'L' : 'M'}${px(x).toFixed(1)},${py(y).toFixed(1)}`;
      pen = true;
    });
    body += `<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 4"' : ''}/>`;
    const l = at(i);
    body += `<line x1="${l.x}" x2="${l.x + 18}" y1="${l.y}" y2="${l.y}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 4"' : ''}/><text x="${l.x + 22}" y="${l.y + 4}" font-size="11">${esc(s.name)}</text>`;
  });
  return frame(title, xLabel, yLabel, body, W, H, M, H - M.b + 34, opts.label);
}

export interface Bar {
  label: string;
  value: number;
  lo?: number;
  hi?: number;
  color?: string;
}

/** Horizontal bars with interval whiskers, one a row. */
export function barChart(title: string, xLabel: string, bars: Bar[], opts: { xMin?: number; xMax?: number; width?: number; label?: string } = {}): string {
  const W = opts.width ?? 640, rowH = 20, h = M.t + bars.length * rowH + M.b, left = W < 500 ? 120 : 170, right = 40;
  const vals = bars.flatMap((b) => [b.value, b.lo ?? b.value, b.hi ?? b.value]);
  const x0 = opts.xMin ?? Math.min(0, ...vals), x1 = opts.xMax ?? Math.max(...vals);
  const px = (x: number) => left + ((x - x0) / (x1 - x0 || 1)) * (W - left - right);
  let body = '';
  for (const t of ticks(x0, x1)) body += `<line x1="${px(t)}" x2="${px(t)}" y1="${M.t}" y2="${h - M.b}" stroke="#e5e5e5"/><text x="${px(t)}" y="${h - M.b + 16}" font-size="11" text-anchor="middle">${fmt(t)}</text>`;
  bars.forEach((b, i) => {
    const y = M.t + i * rowH;
    body += `<text x="${left - 6}" y="${y + 14}" font-size="11" text-anchor="end">${esc(b.label)}</text>`;
    body += `<rect x="${px(x0)}" y="${y + 3}" width="${Math.max(0, px(b.value) - px(x0))}" height="${rowH - 6}" fill="${b.color ?? PALETTE[0]}" opacity="0.8"/>`;
    if (b.lo !== undefined && b.hi !== undefined) {
      body += `<line x1="${px(b.lo)}" x2="${px(b.hi)}" y1="${y + rowH / 2}" y2="${y + rowH / 2}" stroke="#222"/><line x1="${px(b.lo)}" x2="${px(b.lo)}" y1="${y + 5}" y2="${y + rowH - 5}" stroke="#222"/><line x1="${px(b.hi)}" x2="${px(b.hi)}" y1="${y + 5}" y2="${y + rowH - 5}" stroke="#222"/>`;
    }
    body += `<text x="${px(b.hi ?? b.value) + 4}" y="${y + 14}" font-size="10" fill="#444">${(b.value * (x1 <= 1 ? 100 : 1)).toFixed(1)}${x1 <= 1 ? '%' : ''}</text>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${h}" width="${W}" height="${h}" style="max-width:100%;height:auto" role="img" aria-label="${esc(opts.label ?? title)}"><text x="${left}" y="18" font-size="14" font-weight="600">${esc(title)}</text><text x="${left + (W - left - right) / 2}" y="${h - 8}" font-size="12" text-anchor="middle">${esc(xLabel)}</text>${body}</svg>`;
}

/** Predicted P(a ≻ b) against observed frequency, per method, with the diagonal. */
export function reliabilityChart(title: string, curves: { name: string; bins: { meanP: number; freq: number; n: number }[] }[]): string {
  const series: Series[] = [{ name: 'perfect', xs: [0, 1], ys: [0, 1], color: '#999', dashed: true }];
  curves.forEach((c, i) => {
    const bins = c.bins.filter((b) => b.n > 0);
    series.push({ name: c.name, xs: bins.map((b) => b.meanP), ys: bins.map((b) => b.freq), color: PALETTE[i % PALETTE.length] });
  });
  return lineChart(title, 'predicted P(a ≻ b)', 'observed frequency', series, { yMin: 0, yMax: 1 });
}

/** Grouped bars: one group a model, one bar a condition (e.g. domain), for gate weights. */
export function groupedBars(title: string, yLabel: string, groups: string[], conditions: string[], values: number[][], opts: ChartLayout & { yMax?: number; label?: string } = {}): string {
  const { w: W, h: h0, m: M, at } = box(opts, conditions.length);
  const h = h0 + 30, plotW = W - M.l - M.r, gw = plotW / groups.length, bw = (gw * 0.8) / conditions.length;
  const y1 = Math.max(1e-9, opts.yMax ?? 0, ...values.flat());
  const base = h - M.b - 30; // room for slanted labels
  const py = (y: number) => base - (y / y1) * (base - M.t);
  let body = `<rect x="${M.l}" y="${M.t}" width="${plotW}" height="${base - M.t}" fill="#fafafa" stroke="#ccc"/>`;
  for (const t of ticks(0, y1)) body += `<line x1="${M.l}" x2="${W - M.r}" y1="${py(t)}" y2="${py(t)}" stroke="#e5e5e5"/><text x="${M.l - 6}" y="${py(t) + 4}" font-size="11" text-anchor="end">${fmt(t)}</text>`;
  groups.forEach((g, i) => {
    const gx = M.l + i * gw + gw * 0.1;
    conditions.forEach((_, j) => {
      const v = values[i][j];
      body += `<rect x="${gx + j * bw}" y="${py(v)}" width="${bw - 1}" height="${py(0) - py(v)}" fill="${PALETTE[j % PALETTE.length]}"/>`;
    });
    const lx = gx + (bw * conditions.length) / 2, ly = base + 12;
    body += `<text transform="translate(${lx} ${ly}) rotate(-20)" font-size="10" text-anchor="end">${esc(g)}</text>`;
  });
  conditions.forEach((c, j) => {
    const l = at(j), y = opts.legend === 'below' ? l.y + 30 : l.y - 8;
    body += `<rect x="${l.x}" y="${y}" width="12" height="10" fill="${PALETTE[j % PALETTE.length]}"/><text x="${l.x + 16}" y="${y + 9}" font-size="11">${esc(c)}</text>`;
  });
  return frame(title, '', yLabel, body, W, h, M, h - 8, opts.label);
}

/** A diverging colour for t in [0, 1]: blue (low), near white (middle), red (high), as [r, g, b]. */
export function diverging(t: number): [number, number, number] {
  const c = Math.max(0, Math.min(1, t));
  const lo = [33, 102, 172], mid = [247, 247, 247], hi = [178, 24, 43];
  const [from, to, u] = c < 0.5 ? [lo, mid, c * 2] : [mid, hi, c * 2 - 1];
  return [0, 1, 2].map((i) => Math.round(from[i] + (to[i] - from[i]) * u)) as [number, number, number];
}

/**
 * The frame of a heat map: a plot area of `size` px at (left, top) = (48, 8)
 * for a raster drawn underneath (a canvas), named axes with ticks from
 * [lo, hi] on both, and points (x, y in axis units) drawn on top.
 */
export function heatFrame(xLabel: string, yLabel: string, lo: number, hi: number, points: { x: number; y: number; filled: boolean }[], label: string, size = 240): string {
  const l = 48, t = 8, w = l + size + 10, h = t + size + 40;
  const px = (x: number) => l + ((x - lo) / (hi - lo)) * size, py = (y: number) => t + size - ((y - lo) / (hi - lo)) * size;
  let body = `<rect x="${l}" y="${t}" width="${size}" height="${size}" fill="none" stroke="#888"/>`;
  for (const v of ticks(lo, hi, 6)) {
    body += `<line x1="${px(v)}" x2="${px(v)}" y1="${t + size}" y2="${t + size + 4}" stroke="#444"/><text x="${px(v)}" y="${t + size + 16}" font-size="11" text-anchor="middle">${fmt(v)}</text>`;
    body += `<line x1="${l - 4}" x2="${l}" y1="${py(v)}" y2="${py(v)}" stroke="#444"/><text x="${l - 6}" y="${py(v) + 4}" font-size="11" text-anchor="end">${fmt(v)}</text>`;
  }
  for (const p of points) {
    if (p.x < lo || p.x > hi || p.y < lo || p.y > hi) continue;
    body += `<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="2.2" fill="${p.filled ? '#111' : 'none'}" stroke="#111" stroke-width="0.8"/>`;
  }
  body += `<text x="${l + size / 2}" y="${h - 6}" font-size="12" text-anchor="middle">${esc(xLabel)}</text>`;
  body += `<text transform="translate(13 ${t + size / 2}) rotate(-90)" font-size="12" text-anchor="middle">${esc(yLabel)}</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" role="img" aria-label="${esc(label)}">${body}</svg>`;
}

/** A horizontal colour bar for `color` over [lo, hi], with ticks and a label. */
export function colorBar(lo: number, hi: number, label: string, color: (t: number) => [number, number, number], width = 300): string {
  const l = 10, bw = width - 2 * l, n = 32;
  let body = '';
  for (let i = 0; i < n; i++) body += `<rect x="${(l + (i * bw) / n).toFixed(1)}" y="18" width="${(bw / n + 0.5).toFixed(1)}" height="12" fill="rgb(${color((i + 0.5) / n).join(',')})"/>`;
  for (const v of ticks(lo, hi, 6)) {
    const x = l + ((v - lo) / (hi - lo)) * bw;
    body += `<line x1="${x}" x2="${x}" y1="30" y2="34" stroke="#444"/><text x="${x}" y="46" font-size="11" text-anchor="middle">${fmt(v)}</text>`;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} 52" style="max-width:100%;height:auto" role="img" aria-label="${esc(`colour scale: ${label}, from ${fmt(lo)} (blue) to ${fmt(hi)} (red)`)}"><text x="${l}" y="12" font-size="11">${esc(label)}</text>${body}</svg>`;
}
