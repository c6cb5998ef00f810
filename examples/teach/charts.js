// The teaching page's two own charts, as inline SVG: the loss curve (ticks
// that fit its range, the best epoch's label clear of the legend) and the
// held-out accuracies with their 95% intervals.
import { esc } from '../../dist/teach.js';

/** About n round ticks over [lo, hi]: steps of 1, 2, 2.5 or 5 × 10^k. */
export function niceTicks(lo, hi, n = 5) {
  const step0 = (hi - lo) / n, mag = 10 ** Math.floor(Math.log10(step0 || 1));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= step0) ?? step0;
  const out = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + 1e-9; v += step) out.push(+v.toFixed(10));
  return out;
}

const f = (v) => String(+v.toFixed(4));

/**
 * The loss over epochs: train (solid) and validation (dashed), the best
 * epoch marked; the legend sits above the plot, the marker's label inside it.
 */
export function lossChart(history, { best, hasVal, width = 640, label }) {
  const W = width, stack = W < 500, H = stack ? 314 : 300, m = { l: 52, r: 14, t: stack ? 58 : 44, b: 40 };
  const xs = history.map((e) => e.epoch);
  const series = [{ name: 'train (dropout on)', ys: history.map((e) => e.trainLoss), dash: '' }];
  if (hasVal) series.push({ name: 'validation (dropout off)', ys: history.map((e) => e.valLoss), dash: '6 4' });
  const ys = series.flatMap((s) => s.ys).filter((y) => y !== null);
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" style="max-width:100%;height:auto" role="img" aria-label="${esc(label)}"><text x="${m.l}" y="16" font-size="14" font-weight="600">Bradley–Terry loss</text>`;
  series.forEach((s, i) => {
    const x = stack ? m.l : m.l + i * 170, y = stack ? 30 + 14 * i : 30;
    svg += `<line x1="${x}" x2="${x + 24}" y1="${y}" y2="${y}" stroke="${i ? '#d62728' : '#1f77b4'}" stroke-width="2" stroke-dasharray="${s.dash}"/><text x="${x + 30}" y="${y + 4}" font-size="12">${esc(s.name)}</text>`;
  });
  if (!xs.length) return svg + `<text x="${m.l}" y="${H / 2}" font-size="12">no epochs yet</text></svg>`;
  const x1 = Math.max(10, xs[xs.length - 1]);
  let y0 = Math.min(...ys), y1 = Math.max(...ys);
  const pad = Math.max((y1 - y0) * 0.08, 0.005);
  y0 -= pad; y1 += pad;
  const px = (x) => m.l + ((x - 1) / Math.max(1, x1 - 1)) * (W - m.l - m.r), py = (y) => m.t + (1 - (y - y0) / (y1 - y0)) * (H - m.t - m.b);
  svg += `<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#bbb"/>`;
  for (const v of niceTicks(y0, y1, 6)) svg += `<line x1="${m.l - 4}" x2="${W - m.r}" y1="${py(v)}" y2="${py(v)}" stroke="#eee"/><text x="${m.l - 6}" y="${py(v) + 4}" font-size="11" text-anchor="end">${f(v)}</text>`;
  for (const v of niceTicks(1, x1, 6).filter((v) => v >= 1 && Number.isInteger(v))) svg += `<line x1="${px(v)}" x2="${px(v)}" y1="${H - m.b}" y2="${H - m.b + 4}" stroke="#444"/><text x="${px(v)}" y="${H - m.b + 16}" font-size="11" text-anchor="middle">${v}</text>`;
  svg += `<text x="${m.l + (W - m.l - m.r) / 2}" y="${H - 6}" font-size="12" text-anchor="middle">epoch</text>`;
  series.forEach((s, i) => {
    const pts = xs.map((x, j) => (s.ys[j] === null ? null : `${px(x).toFixed(1)} ${py(s.ys[j]).toFixed(1)}`)).filter(Boolean);
    svg += `<path fill="none" stroke="${i ? '#d62728' : '#1f77b4'}" stroke-width="2" stroke-dasharray="${s.dash}" d="M${pts.join(' L')}"/>`;
  });
  if (best) {
    const x = px(best), left = x > W - m.r - 70;
    svg += `<line x1="${x}" x2="${x}" y1="${m.t}" y2="${H - m.b}" stroke="#555" stroke-dasharray="2 3"/><text x="${left ? x - 4 : x + 4}" y="${m.t + 14}" font-size="11" fill="#333" text-anchor="${left ? 'end' : 'start'}">best: epoch ${best}</text>`;
  }
  return svg + '</svg>';
}

/** Wilson's 95% interval for a proportion p of n. */
export function wilson(p, n) {
  const z = 1.96, d = 1 + (z * z) / n, c = (p + (z * z) / (2 * n)) / d, h = (z / d) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return [c - h, c + h];
}

/** Horizontal bars of accuracy, each with its 95% interval as a whisker. */
export function accuracyChart(rows, { n, width = 460, label }) {
  const W = width, rowH = 22, left = W < 420 ? 128 : 170, right = 56, top = 30, H = top + rows.length * rowH + 40, x0 = 0.4, x1 = 1;
  const px = (v) => left + ((Math.max(x0, Math.min(x1, v)) - x0) / (x1 - x0)) * (W - left - right);
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" style="max-width:100%;height:auto" role="img" aria-label="${esc(label)}"><text x="4" y="16" font-size="14" font-weight="600">Held-out accuracy, ${n} pairs</text>`;
  for (const v of niceTicks(x0, x1, 6)) svg += `<line x1="${px(v)}" x2="${px(v)}" y1="${top}" y2="${H - 34}" stroke="#eee"/><text x="${px(v)}" y="${H - 20}" font-size="11" text-anchor="middle">${Math.round(v * 100)}%</text>`;
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    svg += `<text x="${left - 6}" y="${y + 15}" font-size="12" text-anchor="end">${esc(r.label)}</text>`;
    svg += `<rect x="${left}" y="${y + 4}" width="${Math.max(0, px(r.value) - left)}" height="${rowH - 8}" fill="${r.color}"/>`;
    svg += `<line x1="${px(r.lo)}" x2="${px(r.hi)}" y1="${y + rowH / 2}" y2="${y + rowH / 2}" stroke="#000" stroke-width="1.5"/><line x1="${px(r.lo)}" x2="${px(r.lo)}" y1="${y + 6}" y2="${y + rowH - 6}" stroke="#000"/><line x1="${px(r.hi)}" x2="${px(r.hi)}" y1="${y + 6}" y2="${y + rowH - 6}" stroke="#000"/>`;
    svg += `<text x="${W - right + 4}" y="${y + 15}" font-size="11">${(100 * r.value).toFixed(1)}%</text>`;
  });
  return svg + `<text x="${W / 2}" y="${H - 4}" font-size="11" text-anchor="middle">prefers the higher-gold response; whiskers: 95% interval</text></svg>`;
}
