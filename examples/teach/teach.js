// The teaching page: train in a worker, then look inside the model.
import { init, loadModel, simulateEnsemble, simPairs, simItems } from '../../dist/index.js';
import { traceNet } from '../../dist/models/trace.js';
import { lineChart, groupedBars } from '../../dist/report/svg.js';

const $ = (id) => document.getElementById(id);
const DOMAINS = ['math', 'code', 'chat'];
const state = { model: null, sim: null, steps: [], at: 0, history: [] };
window.teach = state; // for the browser test and the curious

await init();
for (const sel of [$('rmx'), $('rmy')]) {
  for (const name of simulateEnsemble({ prompts: 2 }).models) sel.add(new Option(name, name));
}
$('rmx').value = 'careful';
$('rmy').value = 'keyword-counter';
$('status').textContent = 'ready';
$('train').onclick = train;
for (const id of ['rmx', 'rmy', 'domain']) $(id).onchange = () => state.model && heatmaps();
$('prev').onclick = () => show(state.at - 1);
$('next').onclick = () => show(state.at + 1);
if (new URLSearchParams(location.search).has('autotrain')) train();

function train() {
  const seed = Number($('seed').value) | 0, arch = $('arch').value, epochs = Math.max(1, Number($('epochs').value) | 0);
  state.history = [];
  document.body.dataset.state = 'training';
  $('train').disabled = true;
  $('status').removeAttribute('data-error');
  $('status').textContent = 'training…';
  const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  worker.onmessage = ({ data }) => {
    if (data.type === 'epoch') {
      state.history.push(data);
      drawCurve();
      $('status').textContent = `epoch ${data.epoch}: train ${data.trainLoss.toFixed(4)}${data.valLoss === null ? '' : `, validation ${data.valLoss.toFixed(4)}`}`;
    } else if (data.type === 'done') {
      worker.terminate();
      state.model = loadModel(data.model, 'the worker');
      state.modelText = data.model;
      state.sim = simulateEnsemble({ prompts: 300, seed });
      $('status').textContent = `trained in ${(data.ms / 1000).toFixed(2)} s, ${state.model.train.fit[0].epochs} epochs${state.model.train.fit[0].bestValLoss === null ? '' : `, best validation epoch ${state.model.train.fit[0].bestEpoch}`}`;
      weights();
      heatmaps();
      stepThrough();
      $('train').disabled = false;
      document.body.dataset.state = 'trained';
    } else {
      worker.terminate();
      $('status').textContent = `error: ${data.message}`;
      $('status').dataset.error = '';
      $('train').disabled = false;
      document.body.dataset.state = 'error';
    }
  };
  worker.onerror = (e) => { $('status').textContent = `error: ${e.message}`; $('status').dataset.error = ''; document.body.dataset.state = 'error'; };
  worker.postMessage({ seed, arch, epochs });
}

function drawCurve() {
  const h = state.history, xs = h.map((e) => e.epoch);
  $('curve').innerHTML = lineChart('Bradley–Terry loss', 'epoch', 'loss', [
    { name: 'train', xs, ys: h.map((e) => e.trainLoss) },
    // a validation curve only when one was run
    ...(h.some((e) => e.valLoss !== null) ? [{ name: 'validation', xs, ys: h.map((e) => e.valLoss), dashed: true }] : []),
  ]);
}

// the held-out prompts' responses, as items
function heldOut() {
  return simItems(state.sim, Array.from({ length: 90 }, (_, i) => 210 + i));
}

function weights() {
  const m = state.model, K = m.models.length, items = heldOut();
  const values = m.models.map(() => DOMAINS.map(() => 0)), counts = DOMAINS.map(() => 0);
  let per;
  if (m.arch.type === 'gated') {
    per = m.score(items).weights;
  } else {
    const cols = m.toModelColumns(items.models, items.features, items.scores, items.feats, items.ids.length);
    per = m.occlusion(cols.x, cols.f, items.ids.length).map((v) => (v === v ? Math.abs(v) : 0));
  }
  items.groups.forEach((g, i) => {
    const d = DOMAINS.indexOf(g);
    counts[d]++;
    for (let k = 0; k < K; k++) values[k][d] += per[i * K + k];
  });
  for (const row of values) DOMAINS.forEach((_, d) => (row[d] /= counts[d] || 1));
  $('weights').innerHTML = groupedBars(m.arch.type === 'gated' ? 'Mean gate weight by domain' : 'Mean |attribution| by domain', m.arch.type === 'gated' ? 'weight' : '|r − r(without)|', m.models, DOMAINS, values);
}

function heatmaps() {
  const m = state.model, K = m.models.length, S = 48;
  const ix = m.models.indexOf($('rmx').value), iy = m.models.indexOf($('rmy').value);
  const d = DOMAINS.indexOf($('domain').value);
  // raw scores spanning z from −3 to 3 for each of the two models
  const raw = (k, t) => m.norm.center[k] + (t * 6 - 3) / m.norm.scale[k];
  const scores = new Float32Array(S * S * K).fill(NaN), feats = new Float32Array(S * S * m.features.length);
  const mean = new Float32Array(S * S);
  for (let r = 0; r < S; r++) for (let c = 0; c < S; c++) {
    const i = r * S + c, tx = c / (S - 1), ty = 1 - r / (S - 1);
    scores[i * K + ix] = raw(ix, tx);
    scores[i * K + iy] = raw(iy, ty);
    const f = m.features.indexOf(`domain:${DOMAINS[d]}`);
    if (f >= 0) feats[i * m.features.length + f] = 1;
    mean[i] = ix === iy ? tx * 6 - 3 : ((tx * 6 - 3) + (ty * 6 - 3)) / 2;
  }
  const fused = m.score({ models: m.models, features: m.features, scores, feats, ids: new Array(S * S) }).reward;
  paint($('heatFused'), fused, S);
  paint($('heatMean'), mean, S);
  const range = (v) => `${Math.min(...v).toFixed(2)} … ${Math.max(...v).toFixed(2)}`;
  $('capFused').textContent = `fusion (${m.arch.type}): ${range(fused)}; x = ${m.models[ix]}, y = ${m.models[iy]}`;
  $('capMean').textContent = `mean of z-scores: ${range(mean)}`;
}

function paint(canvas, v, S) {
  const ctx = canvas.getContext('2d'), cell = canvas.width / S;
  let lo = Infinity, hi = -Infinity;
  for (const x of v) { lo = Math.min(lo, x); hi = Math.max(hi, x); }
  for (let i = 0; i < v.length; i++) {
    const t = hi > lo ? (v[i] - lo) / (hi - lo) : 0.5;
    ctx.fillStyle = `rgb(${Math.round(40 + 215 * t)}, ${Math.round(90 + 80 * (1 - Math.abs(2 * t - 1)))}, ${Math.round(255 - 215 * t)})`;
    ctx.fillRect((i % S) * cell, Math.floor(i / S) * cell, cell + 0.5, cell + 0.5);
  }
}

// one held-out pair, traced: forward steps, the loss, backward steps (in reverse), the update
function stepThrough() {
  const m = state.model;
  const pair = simPairs(state.sim, [250], 7);
  const A = m.toModelColumns(pair.models, pair.features, pair.a, pair.feats, 1);
  const B = m.toModelColumns(pair.models, pair.features, pair.b, pair.feats, 1);
  const x = new Float32Array([...A.x, ...B.x]), f = new Float32Array([...A.f, ...B.f]);
  const t = traceNet(m, x, f, 2, pair.label[0]);
  const steps = [{ title: 'input: [z-scores | has-score masks | domain features] for response a and b', rows: [['a', t.input.subarray(0, t.inputCols)], ['b', t.input.subarray(t.inputCols)]] }];
  for (const s of t.steps) steps.push({ title: `forward: ${s.op} → ${s.out} (its backward will read ${s.saves.join(', ') || 'nothing'})`, rows: [['a', s.values.subarray(0, s.cols)], ['b', s.values.subarray(s.cols)]] });
  steps.push({ title: `loss: −[t·log σ(r_a − r_b) + (1 − t)·log σ(r_b − r_a)] = ${t.loss.toFixed(5)}, t = ${pair.label[0]}`, rows: [] });
  for (const s of [...t.steps].reverse()) steps.push({ title: `backward: dL/d(${s.out})`, rows: [['a', s.grad.subarray(0, s.cols)], ['b', s.grad.subarray(s.cols)]] });
  for (const p of t.params) {
    steps.push({ title: `AdamW update of ${p.name} (${p.values.length} values; first 16 shown)`, rows: [['θ', p.values.subarray(0, 16)], ['dL/dθ', p.grad.subarray(0, 16)], ['θ after', p.stepped.subarray(0, 16)]] });
  }
  state.steps = steps;
  show(0);
}

function show(i) {
  const steps = state.steps;
  if (!steps.length) return;
  state.at = Math.max(0, Math.min(steps.length - 1, i));
  const s = steps[state.at];
  $('where').textContent = `step ${state.at + 1} of ${steps.length}`;
  const cell = (v) => {
    const a = Math.min(1, Math.abs(v));
    const bg = v >= 0 ? `rgba(214,39,40,${0.6 * a})` : `rgba(31,119,180,${0.6 * a})`;
    return `<td style="background:${bg}">${v.toFixed(3)}</td>`;
  };
  $('step').innerHTML = `<p><b>${s.title}</b></p><table class="vec">${s.rows.map(([name, v]) => `<tr><th>${name}</th>${Array.from(v, cell).join('')}</tr>`).join('')}</table>`;
}
