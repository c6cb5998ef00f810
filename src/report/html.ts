// The HTML report: one self-contained file, inline SVG, no scripts, no network.
import type { ReliabilityBin } from '../eval/metrics.js';
import { barChart, esc, groupedBars, lineChart, reliabilityChart, PALETTE, type Bar } from './svg.js';

export interface ReportInput {
  title: string;
  subtitle?: string;
  /** one row a scorer: held-out or cross-validated accuracy with its interval */
  accuracy: { kind: string; name: string; accuracy: number; ci95: [number, number]; logLoss?: number; ece?: number }[];
  lossCurves?: { name: string; train: number[]; val: (number | null)[] }[];
  reliability?: { name: string; bins: ReliabilityBin[] }[];
  /** mean gate weight of each model in each condition (e.g. domain) */
  weights?: { models: string[]; conditions: string[]; values: number[][] };
  /** mean gold reward of the pick among N candidates */
  bestOfN?: { ns: number[]; series: { name: string; values: number[]; dashed?: boolean }[] };
  notes?: string[];
}

const KIND_COLOR: Record<string, string> = { 'single RM': '#9e9e9e', baseline: '#1f77b4', fusion: '#d62728' };

export function renderReport(r: ReportInput): string {
  const sections: string[] = [];
  const bars: Bar[] = r.accuracy.map((a) => ({ label: `${a.name}`, value: a.accuracy, lo: a.ci95[0], hi: a.ci95[1], color: KIND_COLOR[a.kind] ?? PALETTE[4] }));
  const lo = Math.max(0, Math.floor(Math.min(...r.accuracy.map((a) => a.ci95[0])) * 10) / 10 - 0.1);
  sections.push(section('Pairwise accuracy', 'Bars: accuracy; whiskers: bootstrap 95% interval. Grey: single reward models, blue: baselines, red: fusion models.', barChart('Pairwise accuracy', 'accuracy', bars, { xMin: lo, xMax: 1 })));
  sections.push(table(r.accuracy));
  if (r.bestOfN) {
    const series = r.bestOfN.series.map((s, i) => ({ name: s.name, xs: r.bestOfN!.ns, ys: s.values, dashed: s.dashed, color: PALETTE[i % PALETTE.length] }));
    sections.push(section('Best-of-N', 'The mean gold reward of the response each method picks among N candidates. A method that can be gamed gets worse as N grows: it finds the responses that exploit it.', lineChart('Best-of-N: gold reward of the pick', 'N candidates', 'mean gold reward', series, { logX: true })));
  }
  if (r.weights) {
    sections.push(section('Per-model weights', 'The gated fusion model\'s mean softmax weight on each reward model, by context.', groupedBars('Gate weights by context', 'mean weight', r.weights.models, r.weights.conditions, r.weights.values)));
  }
  if (r.reliability?.length) {
    sections.push(section('Reliability', 'Predicted P(a ≻ b) in ten bins against how often a really won. On the diagonal is calibrated.', reliabilityChart('Reliability diagram', r.reliability)));
  }
  if (r.lossCurves?.length) {
    const series = r.lossCurves.flatMap((c, i) => [
      { name: `${c.name} train`, xs: c.train.map((_, j) => j + 1), ys: c.train, color: PALETTE[i % PALETTE.length] },
      ...(c.val.some((v) => v !== null) ? [{ name: `${c.name} val`, xs: c.val.map((_, j) => j + 1), ys: c.val, color: PALETTE[i % PALETTE.length], dashed: true }] : []),
    ]);
    sections.push(section('Training', 'Loss per epoch of the first net of each fusion model on its training rows (dashed: a validation split, where one was held out).', lineChart('Loss curves', 'epoch', 'loss', series)));
  }
  const notes = (r.notes ?? []).map((n) => `<li>${esc(n)}</li>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(r.title)}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 900px; color: #222; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { font-size: 1.2em; margin-top: 2em; }
.sub { color: #555; } svg { max-width: 100%; height: auto; display: block; margin: 0.5em 0; }
table { border-collapse: collapse; font-size: 13px; } td, th { padding: 2px 10px; border-bottom: 1px solid #eee; text-align: right; }
td:first-child, td:nth-child(2), th:first-child, th:nth-child(2) { text-align: left; }
</style></head>
<body>
<h1>${esc(r.title)}</h1>
${r.subtitle ? `<p class="sub">${esc(r.subtitle)}</p>` : ''}
${sections.join('\n')}
${notes ? `<h2>Notes</h2><ul>${notes}</ul>` : ''}
<p class="sub">Made by rewardfuse.</p>
</body></html>
`;
}

function section(title: string, text: string, svg: string): string {
  return `<section><h2>${esc(title)}</h2><p>${esc(text)}</p>${svg}</section>`;
}

function table(rows: ReportInput['accuracy']): string {
  const pct = (x: number) => (100 * x).toFixed(1) + '%';
  const body = rows.map((a) => `<tr><td>${esc(a.kind)}</td><td>${esc(a.name)}</td><td>${pct(a.accuracy)}</td><td>${pct(a.ci95[0])} – ${pct(a.ci95[1])}</td><td>${a.logLoss?.toFixed(3) ?? ''}</td><td>${a.ece?.toFixed(3) ?? ''}</td></tr>`).join('');
  return `<table><thead><tr><th>kind</th><th>scorer</th><th>accuracy</th><th>95% CI</th><th>log loss</th><th>ECE</th></tr></thead><tbody>${body}</tbody></table>`;
}
