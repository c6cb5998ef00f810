// The walk: one real training step (train/fit.ts probeStep: trainStep on one
// pair, read, then undone) shown screen by screen: the pair, the normaliser,
// every op forward, the loss, every op backward, and each parameter block's
// AdamW update with Adam's moments, from the training's optimiser or a fresh one.
import { probeStep, readTrace, readParamGrads, esc } from '../../dist/teach.js';

export const BETA1 = 0.9, BETA2 = 0.999, EPS = 1e-8; // Graph.step's defaults, which training uses

/**
 * Run trainStep on pair i of `pairs` with `model`'s first net at the given lr
 * and weight decay, from the net's optimiser state (opts.fresh: from a fresh
 * one, m = v = 0 and t = 1, as explain --trace), read every activation and
 * gradient, and undo the step. Returns the numbers the walk shows.
 */
export function walkData(model, pairs, i, opts) {
  const K = pairs.models.length, F = pairs.features.length, net = model.nets[0], g = net.graph;
  const row = (x, w) => x.subarray(i * w, (i + 1) * w);
  // exactly one row per side: pair i's a and pair i's b
  const A = model.toModelColumns(pairs.models, pairs.features, row(pairs.a, K), row(pairs.feats, F), 1);
  const B = model.toModelColumns(pairs.models, pairs.features, row(pairs.b, K), row(pairs.feats, F), 1);
  const one = { kind: 'pairs', n: 1, a: A.x, b: B.x, featsA: A.f, featsB: B.f, target: new Float32Array([pairs.label[i]]) };
  const kept = opts.fresh ? { ...g.getMoments(), steps: g.steps } : null;
  if (kept) { g.resetMoments(); g.steps = 0; }
  let r;
  try {
    r = probeStep(net, one, { loss: 'bt', lr: opts.lr, weightDecay: opts.weightDecay }, () => ({ ...readTrace(net, 2, true), paramGrads: readParamGrads(net) }));
  } finally {
    if (kept) { g.setMoments(kept); g.steps = kept.steps; }
  }
  const at = (p) => (p.ptr - g.paramPtr) >> 2;
  const params = g.params.map((p, j) => {
    const sl = (x) => x.slice(at(p), at(p) + p.size);
    return { name: p.name, decay: p.decay, before: sl(r.before.params), after: sl(r.after.params), grad: r.look.paramGrads[j], m: sl(r.after.m), v: sl(r.after.v), mBefore: sl(r.before.m), vBefore: sl(r.before.v) };
  });
  return {
    i, id: pairs.ids[i], group: pairs.groups[i], label: pairs.label[i], rawA: A.x, rawB: B.x, feats: Array.from(row(pairs.feats, F)),
    loss: r.loss, input: r.look.input, cols: r.look.inputCols, ops: r.look.steps, params, t: r.after.steps, fresh: !!opts.fresh,
    lr: opts.lr, weightDecay: opts.weightDecay, models: model.models, features: model.features,
    center: Array.from(model.norm.center), scale: Array.from(model.norm.scale), featCenter: Array.from(model.featNorm.center), featScale: Array.from(model.featNorm.scale),
  };
}

/** The pair as the CLI reads it (explain's '<pair as JSON>'): raw scores, null for none. */
export function pairRecord(pairs, i) {
  const K = pairs.models.length, F = pairs.features.length;
  const side = (x) => Object.fromEntries(pairs.models.map((m, k) => [m, x[i * K + k] === x[i * K + k] ? x[i * K + k] : null]));
  const features = Object.fromEntries(pairs.features.map((f, j) => [f, pairs.feats[i * F + j]]));
  const t = pairs.label[i];
  return { a: side(pairs.a), b: side(pairs.b), features, label: t === 1 ? 'a' : t === 0 ? 'b' : 'tie' };
}

/** Adaptive notation: 4 significant digits, scientific below 10⁻³ or from 10⁴, so nothing non-zero reads 0.000. */
export function num(v) {
  if (v === 0) return '0';
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e4) return String(Number(v.toPrecision(4)));
  return v.toExponential(3);
}

// names for the columns of each tensor
function columnNames(w) {
  const input = [...w.models.map((m) => `z · ${m}`), ...w.models.map((m) => `mask · ${m}`), ...w.features.map((f) => `feature · ${f}`)];
  return (name, cols) => {
    if (name === 'x') return input;
    let m;
    if ((m = /^hidden(\d+)\.y/.exec(name))) return Array.from({ length: cols }, (_, j) => `h${m[1]} unit ${j + 1}`);
    if (name === 'gate.y') return w.models.map((j) => `logit · ${j}`);
    if (name === 'gate.w') return w.models.map((j) => `weight · ${j}`);
    if (name === 'gate.sum') return ['Σ w·z'];
    if (name === 'gate.scale.y' || name === 'out.y+skip.y') return ['r'];
    if (name === 'out.y') return [cols === 1 && w.ops.some((o) => o.out === 'out.y+skip.y') ? 'r (deep part)' : 'r'];
    if (name === 'skip.y') return ['r (linear skip)'];
    return Array.from({ length: cols }, (_, j) => `${name}[${j}]`);
  };
}

// a table in a box that scrolls sideways by itself (keyboard-reachable), never the page
const scroller = (label, table) => `<div class="scroll" tabindex="0" role="group" aria-label="${esc(label)}">${table}</div>`;

function vecTable(label, names, a, b, head = ['a', 'b']) {
  const peak = Math.max(1e-30, ...Array.from(a, Math.abs), ...Array.from(b, Math.abs));
  const cell = (v, side) => {
    const t = Math.min(1, Math.abs(v) / peak), bg = v >= 0 ? `rgba(214,39,40,${(0.45 * t).toFixed(3)})` : `rgba(31,119,180,${(0.45 * t).toFixed(3)})`;
    return `<td data-side="${side}" style="background:${bg}">${num(v)}</td>`;
  };
  return scroller(label, `<table class="vec"><thead><tr><th scope="col">column</th>${head.map((h) => `<th scope="col">${h}</th>`).join('')}</tr></thead><tbody>${names.map((n, j) => `<tr><th scope="row">${esc(n)}</th>${cell(a[j], 'a')}${cell(b[j], 'b')}</tr>`).join('')}</tbody></table>`);
}

const sig = (x) => 1 / (1 + Math.exp(-x));

/** The walk's screens: { title, html } each, plus what the tests and other panels read. */
export function walkSteps(w) {
  const C = w.cols, names = columnNames(w);
  const side = (v, r, cols) => v.subarray(r * cols, (r + 1) * cols);
  const steps = [];
  const last = w.ops[w.ops.length - 1], ra = last.values[0], rb = last.values[1], t = w.label;
  const p = sig(ra - rb);
  const right = t === 0.5 ? null : (p > 0.5) === (t === 1);
  steps.push({
    title: `the pair: ${w.id} (${w.group}), training pair ${w.i + 1}; label: ${t === 1 ? 'a is better' : t === 0 ? 'b is better' : 'a tie'}`,
    html: `<p>The net now gives <span class="formula">P(a ≻ b) = σ(r_a − r_b) = <output id="pAB">${num(p)}</output></span>: it <output id="verdict">${right === null ? 'has no right answer (a tie)' : right ? 'gets this pair right' : 'gets this pair wrong'}</output>. The judges' raw scores (— : no score):</p>` +
      scroller('raw scores', `<table class="vec"><thead><tr><th scope="col">judge</th><th scope="col">a</th><th scope="col">b</th></tr></thead><tbody>${w.models.map((m, k) => `<tr><th scope="row">${esc(m)}</th><td>${w.rawA[k] === w.rawA[k] ? num(w.rawA[k]) : '—'}</td><td>${w.rawB[k] === w.rawB[k] ? num(w.rawB[k]) : '—'}</td></tr>`).join('')}</tbody></table>`),
  });
  const z = (x, k) => (x === x ? (x - w.center[k]) * w.scale[k] : null);
  steps.push({
    title: 'input: [z-scores | has-score masks | domain features] for response a and b (load batch, then zero the gradients)',
    html: `<p>z = (score − median)/spread, per judge, with the median and spread fitted on the training pairs (spread: the interquartile range/1.349); z = 0 and mask 0 where a judge gave no score. A feature is z-scored the same way.</p>` +
      scroller('the normaliser', `<table class="vec" id="norm"><thead><tr><th scope="col">judge</th><th scope="col">median</th><th scope="col">spread</th><th scope="col">z a</th><th scope="col">z b</th></tr></thead><tbody>${w.models.map((m, k) => {
        const za = z(w.rawA[k], k), zb = z(w.rawB[k], k);
        return `<tr><th scope="row">${esc(m)}</th><td>${num(w.center[k])}</td><td>${num(1 / w.scale[k])}</td><td>${za === null ? '—' : num(za)}</td><td>${zb === null ? '—' : num(zb)}</td></tr>`;
      }).join('')}${w.features.map((f, j) => `<tr><th scope="row">${esc(f)}</th><td>${num(w.featCenter[j])}</td><td>${num(1 / w.featScale[j])}</td><td>${num((w.feats[j] - w.featCenter[j]) * w.featScale[j])}</td><td>${num((w.feats[j] - w.featCenter[j]) * w.featScale[j])}</td></tr>`).join('')}</tbody></table>`) +
      vecTable('the input rows', names('x', C), side(w.input, 0, C), side(w.input, 1, C)),
    sides: { a: side(w.input, 0, C), b: side(w.input, 1, C) },
  });
  const sParam = w.params.find((q) => q.name === 'gate.scale.s');
  for (const s of w.ops) {
    let note = '';
    if (s.op === 'scale' && sParam) {
      const sv = sParam.before[0], es = Math.exp(sv), sum = w.ops.find((o) => o.out === 'gate.sum');
      note = `<p class="formula">s = ${num(sv)}, e^s = ${num(es)}; r = e^s·Σ w·z: a ${sum ? num(sum.values[0]) : '?'} × ${num(es)} = ${num(s.values[0])}, b ${sum ? num(sum.values[1]) : '?'} × ${num(es)} = ${num(s.values[1])}</p>`;
    } else if (s.op === 'softmax') {
      note = '<p class="small">w_k = e^(logit_k/T)/Σ e^(logit_j/T) over the judges present (mask 1); a judge with no score gets weight 0.</p>';
    } else if (s.op.startsWith('linear')) {
      note = `<p class="small">y = x·W + b${s.op.endsWith('+relu') ? ', then max(0, ·)' : ''}; every weight is on the update screens below.</p>`;
    }
    steps.push({
      title: `forward: ${s.op} → ${s.out} (its backward will read ${s.saves.join(', ') || 'nothing'})`,
      html: note + vecTable(s.out, names(s.out, s.cols), side(s.values, 0, s.cols), side(s.values, 1, s.cols)),
      out: s.out,
    });
  }
  steps.push({
    title: `loss: −[t·log σ(r_a − r_b) + (1 − t)·log σ(r_b − r_a)] = ${num(w.loss)}, t = ${t}`,
    html: `<p class="formula">r_a = ${num(ra)}, r_b = ${num(rb)}, σ(r_a − r_b) = ${num(p)}<br>L = ${num(w.loss)}<br>dL/dr_a = σ(r_a − r_b) − t = ${num(p - t)}, dL/dr_b = −dL/dr_a</p>` +
      `<p>The loss sees only the difference r_a − r_b: anything that adds the same to both rewards (an output bias) gets gradient exactly 0. The backward pass now carries dL/dr back through every op, in reverse.</p>`,
    loss: true,
  });
  for (const s of [...w.ops].reverse()) {
    if (!s.grad) continue;
    steps.push({
      title: `backward: dL/d(${s.out})`,
      html: (s.op.endsWith('+relu') ? '<p class="small">After a fused linear+relu, the gradient shown is at its pre-activation (the relu\'s mask is applied in place).</p>' : '') +
        vecTable(`dL/d(${s.out})`, names(s.out, s.cols), side(s.grad, 0, s.cols), side(s.grad, 1, s.cols)),
      grads: { a: side(s.grad, 0, s.cols), b: side(s.grad, 1, s.cols) },
      out: s.out,
    });
  }
  const c1 = 1 / (1 - BETA1 ** w.t), c2 = 1 / (1 - BETA2 ** w.t);
  const ratioOf = (prm, j) => (prm.m[j] * c1) / (Math.sqrt(prm.v[j] * c2) + EPS);
  let over = 0, against = 0, total = 0;
  for (const prm of w.params) {
    const n = prm.before.length, idx = Array.from({ length: n }, (_, j) => j);
    const top = n <= 16 ? idx : [...idx].sort((x, y) => Math.abs(prm.grad[y]) - Math.abs(prm.grad[x])).slice(0, 8).sort((x, y) => x - y);
    const nm = paramNames(w, prm.name, n);
    let g2 = 0, dmax = 0, o = 0, ag = 0;
    for (let j = 0; j < n; j++) {
      g2 += prm.grad[j] * prm.grad[j];
      dmax = Math.max(dmax, Math.abs(prm.after[j] - prm.before[j]));
      const r = ratioOf(prm, j);
      if (Math.abs(r) > 1) o++;
      if (r * prm.grad[j] < 0) ag++;
    }
    over += o; against += ag; total += n;
    const head = `<thead><tr><th scope="col">θ entry</th><th scope="col">θ</th><th scope="col">dL/dθ</th><th scope="col">m before</th><th scope="col">v before</th><th scope="col">m</th><th scope="col">v</th><th scope="col">m̂/(√v̂+ε)</th><th scope="col">Δθ</th></tr></thead>`;
    const rows = (list) => list.map((j) => `<tr><th scope="row">${esc(nm(j))}</th>${[prm.before[j], prm.grad[j], prm.mBefore[j], prm.vBefore[j], prm.m[j], prm.v[j], ratioOf(prm, j), prm.after[j] - prm.before[j]].map((v) => `<td>${num(v)}</td>`).join('')}</tr>`).join('');
    const zeroGrad = g2 === 0 && /^(out|skip)\.b$/.test(prm.name);
    const notes = [];
    if (zeroGrad) notes.push(`<p><b>dL/dθ is exactly 0 here</b>: this bias adds the same amount to r_a and r_b, and the Bradley–Terry loss sees only r_a − r_b, so it cancels. It is 0 for every pair, so m = v = 0, the ratio is 0/(0 + ε) = 0, and this bias never moves (nor is it decayed). It still matters for one response's reward, never for a preference.</p>`);
    if (o) notes.push(`<p>${o} of ${n} ratios exceed 1 in size. m̂ is a mean of the recent gradients (β₁ = ${BETA1}: about the last 10 steps) and √v̂ their root-mean-square over a much longer memory (β₂ = ${BETA2}: about 1000 steps). When the latest gradients (this pair's among them, with weight 1 − β₁) are larger than their long-run root-mean-square, |m̂| exceeds √v̂ and the step is larger than lr: a pair the net gets badly wrong has a large gradient.</p>`);
    if (ag) notes.push(`<p>${ag} of ${n} entries move against this pair's own gradient (the ratio's sign is not −dL/dθ's): m is mostly the earlier batches' gradients; this pair adds only (1 − β₁) = ${num(1 - BETA1)} of its own.</p>`);
    steps.push({
      title: `AdamW update of ${prm.name} (${n} value${n === 1 ? '' : 's'}${n > 16 ? '; the 8 with the largest |dL/dθ| here, all in the list below' : ''})`,
      html: `<p class="formula">m = β₁·m_before + (1 − β₁)·g, v = β₂·v_before + (1 − β₂)·g², β₁ = ${BETA1}, β₂ = ${BETA2}, g = dL/dθ<br>m̂ = m/(1 − β₁^t), v̂ = v/(1 − β₂^t), Adam step t = ${w.t}${w.fresh ? ' (a fresh optimiser: m_before = v_before = 0)' : ' (the training\'s optimiser)'}, ε = ${EPS}<br>θ ← θ·(1 − lr·wd) − lr·m̂/(√v̂ + ε), lr = ${w.lr}, wd = ${prm.decay ? w.weightDecay : '0 (not decayed: a bias or a scale)'}<br>‖dL/dθ‖ = ${num(Math.sqrt(g2))}, largest |Δθ| = ${num(dmax)}</p>` +
        notes.join('') +
        '<p class="narrow-hint small">The table scrolls sideways: m, v, the ratio and Δθ are to the right.</p>' +
        scroller(`update of ${prm.name}`, `<table class="vec upd">${head}<tbody>${rows(top)}</tbody></table>`) +
        (n > top.length ? `<details><summary>all ${n} entries of ${esc(prm.name)}</summary>${scroller(`all of ${prm.name}`, `<table class="vec upd all">${head}<tbody>${rows(idx)}</tbody></table>`)}</details>` : ''),
      param: prm.name,
    });
  }
  const lrwd = num(w.lr * w.weightDecay);
  steps.push({
    title: `why Adam's first steps are ±lr, and this one (step ${w.t})`,
    html: `<p>Adam moves each parameter by lr times m̂/(√v̂ + ε): a running mean of its gradient over a running root-mean-square. At the first step m̂ = g and v̂ = g², so the ratio is ±1 whatever the gradient's size: every parameter with a non-zero gradient moves by ±lr (= ${w.lr}), even where dL/dθ is 10⁻⁵; one with a gradient of exactly 0 (an output bias under this loss) does not move. Over later steps the ratio shrinks where gradients disagree from batch to batch, and can exceed 1 where the recent ones agree and are larger than the long-run average. Weight decay then shrinks each weight by lr·wd = ${lrwd} of itself.</p>` +
      `<p>This walk is Adam step ${w.t} of this net${w.fresh ? ', from a fresh optimiser (as explain --trace): the moves are ±lr' : `, with the moments its training has built up: ${over} of ${total} ratios exceed 1 in size, and ${against} entries move against this pair's own gradient`}. Pick another pair, switch the optimiser above, or train on (▶ or step one epoch, also after early stopping) and come back.</p>`,
  });
  return steps;
}

function paramNames(w, name, n) {
  const names = columnNames(w), ops = w.ops;
  const m = /^(.*)\.(W|b|s)$/.exec(name);
  if (!m) return (j) => `${name}[${j}]`;
  const [, layer, kind] = m;
  if (kind === 's') return () => 's (r = e^s·Σ w·z)';
  const out = ops.find((o) => o.out.startsWith(`${layer}.`));
  const outNames = out ? names(out.out, out.cols) : [];
  if (kind === 'b') return (j) => `b → ${outNames[j] ?? j}`;
  const N = out ? out.cols : 1, inCols = n / N;
  // the layer's input: the op before its output, or x
  const idx = ops.indexOf(out), prev = idx > 0 ? ops[idx - 1] : null;
  const inNames = layer === 'skip' || !prev || prev.cols !== inCols || (layer === 'hidden0') ? names('x', inCols) : names(prev.out, inCols);
  const short = (x) => String(x).replace(/ · /g, '·').replace(/ unit /, '.');
  return (j) => `W[${short(inNames[Math.floor(j / N)] ?? Math.floor(j / N))} → ${short(outNames[j % N] ?? j % N)}]`;
}
