// The shift check, for people: eval's "shift" section and score's one warning line.
import type { BatchChoice, FusionModel } from '../models/model.js';

/** eval's section: the two-sample figure, who scored, and per model how its z moved. */
export function shiftLines(model: FusionModel, c: BatchChoice): string[] {
  const s = c.shift;
  if (!s) return ['shift: not checked (the model file has no training summary: trained before version 3, or with a fixed --arch)'];
  const out = ['shift: these scores against the training data\'s (no labels used)'];
  const auc = s.auc === null
    ? `  domain classifier: not run, ${s.rows} rows is under ${s.minRows}`
    : `  domain classifier AUC ${s.auc.toFixed(3)} (${s.batchItems} items against ${s.referenceItems} training items; ≈ 0.5: alike, ≥ ${s.threshold}: unlike)`;
  out.push(auc);
  out.push(`  scored by: ${combinerLine(model, c)}`);
  out.push('', `  ${'model'.padEnd(24)} location  spread  missing: train → here`);
  for (const j of s.judges) {
    const loc = j.location === j.location ? `${j.location >= 0 ? '+' : ''}${j.location.toFixed(2)}` : '—';
    const spr = j.spread === j.spread ? `${j.spread.toFixed(2)}×` : '—';
    const flag = Math.abs(j.location) >= 0.5 || j.spread >= 1.5 || j.spread <= 0.67 || Math.abs(j.missingBatch - j.missingTrain) >= 0.2 ? '  ←' : '';
    out.push(`  ${j.model.slice(0, 24).padEnd(24)} ${loc.padStart(8)}  ${spr.padStart(6)}  ${pctOf(j.missingTrain).padStart(6)} → ${pctOf(j.missingBatch)}${flag}`);
  }
  out.push('  (location: change in the median robust z; spread: ratio of the IQRs; ← a large change)');
  return out;
}

/** Which combiner scored, and why, in a phrase. */
export function combinerLine(model: FusionModel, c: BatchChoice): string {
  const why = c.shift?.reason ?? 'no shift check in the model file';
  if (c.combiner === 'rule') return `${model.name}, the model's rule (${why})`;
  if (c.combiner === 'net') return model.anchor ? `the net, ${model.name} (${why})` : `the net, ${model.name} (the model file has no anchor rule)`;
  return `the anchor, ${model.anchor!.name}, in place of the net ${model.name} (${why})`;
}

/** score's warning, or undefined when the batch resembles the training data or the model has no check. */
export function shiftWarning(model: FusionModel, c: BatchChoice): string | undefined {
  const s = c.shift;
  if (!s || s.auc === null || s.resembles) return undefined;
  const moved = s.judges.filter((j) => j.location === j.location).sort((p, q) => Math.abs(q.location) - Math.abs(p.location)).slice(0, 2)
    .map((j) => `${j.model} ${j.location >= 0 ? '+' : ''}${j.location.toFixed(2)}`);
  const who = c.combiner === 'anchor' ? `scored with the anchor ${model.anchor!.name}, not the net` : `scored with ${model.name}`;
  return `rewardfuse: warning: these items look unlike the model's training data (domain classifier AUC ${s.auc.toFixed(3)} ≥ ${s.threshold} on the first ${s.rows} items; most moved: ${moved.join(', ')}); ${who}\n`;
}

const pctOf = (x: number) => `${(100 * x).toFixed(1)}%`;
