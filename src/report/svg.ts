// Small inline-SVG charts for the HTML report: no scripts, no network.

const W = 640, H = 320, M = { l: 56, r: 150, t: 28, b: 44 };
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

function frame(title: string, xLabel: string, yLabel: string, body: string, w = W, h = H): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${esc(title)}">
<text x="${M.l}" y="18" font-size="14" font-weight="600">${esc(title)}</text>
<text x="${M.l + (w - M.l - M.r) / 2}" y="${h - 8}" font-size="12" text-anchor="middle">${esc(xLabel)}</text>
<text transform="translate(14 ${M.t + (h - M.t - M.b) / 2}) rotate(-90)" font-size="12" text-anchor="middle">${esc(yLabel)}</text>
${body}</svg>`;
}

export interface Series {
  name: string;
  xs: number[];
  ys: (number | null)[];
  color?: string;
  dashed?: boolean;
}

/** Lines over a shared x axis; `logX` for doubling x values such as N in best-of-N. */
export function lineChart(title: string, xLabel: string, yLabel: string, series: Series[], opts: { logX?: boolean; yMin?: number; yMax?: number } = {}): string {
  const xs = series.flatMap((s) => s.xs);
  const ys = series.flatMap((s) => s.ys.filter((y): y is number => y !== null && Number.isFinite(y)));
  if (!xs.length || !ys.length) return frame(title, xLabel, yLabel, '<text x="100" y="100">no data</text>');
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
    body += `<line x1="${W - M.r + 10}" x2="${W - M.r + 28}" y1="${M.t + 8 + i * 16}" y2="${M.t + 8 + i * 16}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 4"' : ''}/><text x="${W - M.r + 32}" y="${M.t + 12 + i * 16}" font-size="11">${esc(s.name)}</text>`;
  });
  return frame(title, xLabel, yLabel, body);
}

export interface Bar {
  label: string;
  value: number;
  lo?: number;
  hi?: number;
  color?: string;
}

/** Horizontal bars with interval whiskers, one a row. */
export function barChart(title: string, xLabel: string, bars: Bar[], opts: { xMin?: number; xMax?: number } = {}): string {
  const rowH = 20, h = M.t + bars.length * rowH + M.b, left = 170, right = 40;
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
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${h}" width="${W}" height="${h}" role="img" aria-label="${esc(title)}"><text x="${left}" y="18" font-size="14" font-weight="600">${esc(title)}</text><text x="${left + (W - left - right) / 2}" y="${h - 8}" font-size="12" text-anchor="middle">${esc(xLabel)}</text>${body}</svg>`;
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
export function groupedBars(title: string, yLabel: string, groups: string[], conditions: string[], values: number[][]): string {
  const h = H + 30, plotW = W - M.l - M.r, gw = plotW / groups.length, bw = (gw * 0.8) / conditions.length;
  const y1 = Math.max(1e-9, ...values.flat());
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
    body += `<rect x="${W - M.r + 10}" y="${M.t + j * 16}" width="12" height="10" fill="${PALETTE[j % PALETTE.length]}"/><text x="${W - M.r + 26}" y="${M.t + 9 + j * 16}" font-size="11">${esc(c)}</text>`;
  });
  return frame(title, '', yLabel, body, W, h);
}
