// The teaching page. The net trains here, one epoch at a time, with the
// library's own fit loop (Fit in train/fit.ts: each batch is trainStep), so it
// can be played, paused, stepped and steered; the walk runs the real trainStep
// on one pair from the net's current optimiser state (probeStep), reads every
// activation and gradient, and undoes it.
import { init, simulateEnsemble, simPairs, simItems, loadModel, fitBaselines, scoreBaselines, baselineItemScores, pairwiseAccuracy } from '../../dist/index.js';
import { SIM_JUDGES, SIM_DOMAINS } from '../../dist/data/simulate.js';
import { FusionModel } from '../../dist/models/model.js';
import { bestOfNGold } from '../../dist/eval/metrics.js';
import { fitNormaliser } from '../../dist/models/normalise.js';
import { ARCHS } from '../../dist/models/archs.js';
import { Fit, probeStep } from '../../dist/train/fit.js';
import { readTrace, readParamGrads } from '../../dist/models/trace.js';
import { lineChart, groupedBars, barChart, heatFrame, colorBar, diverging, esc } from '../../dist/report/svg.js';

const $ = (id) => document.getElementById(id);
const PROMPTS = 300, TRAIN_PROMPTS = 210, BON_PROMPTS = 60, BON_N = 32, S = 48, ZMAX = 3;
const range = (a, b) => Array.from({ length: b - a }, (_, i) => a + i);

// the state, on window for the browser tests and the curious
const T = (window.teach = { judges: SIM_JUDGES.map((j) => ({ ...j })), steps: [], at: 0, playing: false });

// ---- inputs: each checked, never silently rounded or clamped ----
const INPUTS = {
  width: { int: true, min: 1, max: 64, what: 'hidden width' },
  lr: { min: 1e-5, max: 1, what: 'learning rate' },
  wd: { min: 0, max: 1, what: 'weight decay' },
  dropout: { min: 0, max: 0.9, what: 'model dropout' },
  val: { min: 0, max: 0.5, what: 'validation split' },
  epochs: { int: true, min: 1, max: 500, what: 'epochs' },
  seed: { int: true, min: 0, max: 100000, what: 'seed' },
};

/** The value of each numeric input, or the first error; marks bad fields aria-invalid. */
function readInputs() {
  const v = {}, errors = [];
  for (const [id, r] of Object.entries(INPUTS)) {
    const el = $(id), text = el.value.trim(), x = Number(text);
    let bad = '';
    if (text === '' || !Number.isFinite(x)) bad = `${r.what} must be a number`;
    else if (r.int && !Number.isInteger(x)) bad = `${r.what} must be a whole number, got ${text}`;
    else if (x < r.min || x > r.max) bad = `${r.what} must be from ${r.min} to ${r.max}, got ${text}`;
    el.setAttribute('aria-invalid', bad ? 'true' : 'false');
    if (bad) errors.push(bad);
    v[id] = x;
  }
  $('inputErr').textContent = errors.join('; ');
  $('play').disabled = $('epoch').disabled = $('reset').disabled = errors.length > 0;
  return errors.length ? null : v;
}

// ---- data: the simulated ensemble, its training and held-out pairs, best-of-N candidates ----
function makeData(seed) {
  const sim = simulateEnsemble({ prompts: PROMPTS, seed, judges: T.judges });
  const train = simPairs(sim, range(0, TRAIN_PROMPTS), seed);
  const test = simPairs(sim, range(TRAIN_PROMPTS, PROMPTS), seed + 1);
  const held = simItems(sim, range(TRAIN_PROMPTS, PROMPTS));
  const bonSim = simulateEnsemble({ prompts: BON_PROMPTS, candidates: BON_N, seed: seed + 1000, judges: T.judges });
  const bon = simItems(bonSim, range(0, BON_PROMPTS));
  return { sim, train, test, held, bon, baselines: fitBaselines(train, { seed }) };
}

const fitRows = (p) => ({ kind: 'pairs', n: p.ids.length, a: p.a, b: p.b, featsA: p.feats, featsB: p.feats, target: p.label });

/** A fresh net, as trainNets builds one (ensemble 1), and its fit, at epoch 0. */
function newNet() {
  const v = readInputs();
  if (!v) return;
  pause();
  T.data = makeData(v.seed);
  const tr = T.data.train, type = $('arch').value;
  const arch = { type, hidden: ARCHS[type].hidden.length ? [v.width] : [], activation: ARCHS[type].activation, temperature: 1 };
  T.model = new FusionModel({
    models: tr.models, features: tr.features, scorer: { kind: 'nets', arch, ensemble: 1 },
    norm: fitNormaliser(tr.models.length, tr.a, tr.b), featNorm: fitNormaliser(tr.features.length, tr.feats), seed: v.seed, lambda: 1,
  });
  T.fit = new Fit(T.model.nets[0], fitRows(tr), { seed: v.seed, epochs: v.epochs, lr: v.lr, weightDecay: v.wd, modelDropout: v.dropout, val: v.val, loss: 'bt' });
  T.arch = type;
  T.pairPicked = false;
  T.epochBase = 0;
  T.finished = false;
  T.pairIndex = firstWrong(0);
  $('pair').max = String(tr.ids.length);
  setState('ready');
  renderAll();
}

/** Settings that may change between epochs, from the inputs. */
function applySettings() {
  const v = readInputs();
  if (!v || !T.fit) return false;
  const o = T.fit.settings;
  o.lr = v.lr; o.weightDecay = v.wd; o.modelDropout = v.dropout;
  o.epochs = T.epochBase + v.epochs;
  return true;
}

// ---- training at a visible pace ----
function setState(s) {
  document.body.dataset.state = s;
  $('play').textContent = T.playing ? '❚❚ pause' : '▶ play';
  $('play').setAttribute('aria-label', T.playing ? 'pause' : 'play');
}

function play() {
  if (!applySettings()) return;
  if (!T.fit.running) { status(); return; }
  T.playing = true;
  setState('training');
  tick();
}

function pause() {
  T.playing = false;
  clearTimeout(T.timer);
  if (T.fit && !T.pairPicked) T.pairIndex = firstWrong(0);
  if (T.fit) { setState(T.fit.running ? 'paused' : 'trained'); renderWalk(); }
}

function tick() {
  if (!T.playing) return;
  const pace = Number($('speed').value), t0 = performance.now();
  try {
    // one epoch a tick at a chosen pace; as fast as it goes: epochs for 40 ms, then draw
    do { if (!T.fit.epoch()) break; } while (pace === 0 && performance.now() - t0 < 40);
  } catch (e) {
    return fail(e);
  }
  if (!T.fit.running) return done();
  renderLive();
  T.timer = setTimeout(tick, pace === 0 ? 0 : Math.max(0, 1000 / pace - (performance.now() - t0)));
}

function stepEpoch() {
  pause();
  if (!applySettings()) return;
  try {
    if (!T.fit.epoch()) return status();
  } catch (e) {
    return fail(e);
  }
  if (!T.fit.running) return done();
  setState('paused');
  renderAll();
}

function done() {
  T.playing = false;
  T.fit.finish(); // the best validation epoch's weights, when there was a validation split
  T.finished = true;
  if (!T.pairPicked) T.pairIndex = firstWrong(0);
  setState('trained');
  renderAll();
}

function fail(e) {
  T.playing = false;
  $('status').textContent = `error: ${e.message}`;
  $('status').dataset.error = '';
  setState('error');
}

function status() {
  const f = T.fit, h = f.history, last = h[h.length - 1], o = f.settings;
  const four = (x) => x.toFixed(4);
  let s = h.length ? `epoch ${last.epoch} of ${o.epochs} · train loss ${four(last.trainLoss)}` : `epoch 0 of ${o.epochs}: an untrained net`;
  if (last && last.valLoss !== null) s += ` · validation loss ${four(last.valLoss)} (best ${four(f.bestValLoss)} at epoch ${f.bestEpoch})`;
  else if (last) s += ' · no validation split';
  if (T.finished) {
    const early = h.length < o.epochs;
    s = `${early ? `stopped early at epoch ${h.length}: no better validation loss for ${o.patience} epochs` : `done: ${h.length} epochs`}` +
      (f.nVal ? `; the best epoch's weights (epoch ${f.bestEpoch}, validation loss ${four(f.bestValLoss)}) are restored` : `; final train loss ${last ? four(last.trainLoss) : '–'}`);
  }
  s += ` · Adam steps taken: ${T.model.nets[0].graph.steps}`;
  $('status').removeAttribute('data-error');
  $('status').textContent = s;
}

// ---- drawing ----
const narrow = () => document.body.clientWidth < 620;
const layout = () => (narrow() ? { width: 380, legend: 'below' } : {});

function renderLive() {
  status();
  curve();
  weights();
  fusionHelps();
  heatmaps();
}

function renderAll() {
  renderLive();
  judgesPanel();
  renderWalk();
}

function curve() {
  const h = T.fit.history, xs = h.map((e) => e.epoch);
  const series = [{ name: 'train', xs, ys: h.map((e) => e.trainLoss) }];
  // a validation curve, and its legend entry, only when there is a validation split
  if (T.fit.nVal) series.push({ name: 'validation', xs, ys: h.map((e) => e.valLoss), dashed: true });
  const best = T.fit.nVal && T.fit.bestEpoch ? { x: T.fit.bestEpoch, label: `best ${T.fit.bestEpoch}` } : undefined;
  const last = h[h.length - 1];
  const label = h.length ? `Loss curve over ${h.length} epochs: train loss from ${h[0].trainLoss.toFixed(3)} to ${last.trainLoss.toFixed(3)}${last.valLoss !== null ? `, validation loss now ${last.valLoss.toFixed(3)}` : ''}` : 'Loss curve: no epochs yet';
  $('curve').innerHTML = lineChart('Bradley–Terry loss', 'epoch', 'loss', h.length ? series : [], { marker: best, label, ...layout() });
}

function weights() {
  const m = T.model, K = m.models.length, items = T.data.held;
  const values = m.models.map(() => SIM_DOMAINS.map(() => 0)), counts = SIM_DOMAINS.map(() => 0);
  let per;
  if (m.arch.type === 'gated') {
    per = m.score(items).weights;
  } else {
    const cols = m.toModelColumns(items.models, items.features, items.scores, items.feats, items.ids.length);
    per = m.occlusion(cols.x, cols.f, items.ids.length).map((v) => (v === v ? Math.abs(v) : 0));
  }
  items.groups.forEach((g, i) => {
    const d = SIM_DOMAINS.indexOf(g);
    counts[d]++;
    for (let k = 0; k < K; k++) values[k][d] += per[i * K + k];
  });
  for (const row of values) SIM_DOMAINS.forEach((_, d) => (row[d] /= counts[d] || 1));
  T.weights = Object.fromEntries(m.models.map((name, k) => [name, Object.fromEntries(SIM_DOMAINS.map((d, j) => [d, values[k][j]]))]));
  const gated = m.arch.type === 'gated';
  const label = `${gated ? 'Mean gate weight' : 'Mean |attribution|'} by domain: ` + m.models.map((name, k) => `${name} ${SIM_DOMAINS.map((d, j) => `${d} ${values[k][j].toFixed(2)}`).join(', ')}`).join('; ');
  $('weights').innerHTML = groupedBars(gated ? 'Mean gate weight by domain' : 'Mean |attribution| by domain', gated ? 'weight' : '|r − r(without)|', m.models, SIM_DOMAINS, values, { label, ...(gated ? { yMax: 0.6 } : {}), ...layout() });
}

function fusionHelps() {
  const { test, bon, baselines } = T.data, m = T.model, K = test.models.length;
  const base = scoreBaselines(baselines, test);
  const judgeMargin = (k) => Float64Array.from({ length: test.ids.length }, (_, i) => {
    const d = test.a[i * K + k] - test.b[i * K + k];
    return d === d ? d : 0;
  });
  const rows = [
    { label: `fusion (${m.arch.type})`, value: pairwiseAccuracy(m.scorePairs(test).margin, test.label), color: '#d62728' },
    { label: 'mean', value: pairwiseAccuracy(base.margin.mean, test.label), color: '#1f77b4' },
    { label: `best judge (${m.models[baselines.best]})`, value: pairwiseAccuracy(base.margin.best, test.label), color: '#1f77b4' },
    ...m.models.map((name, k) => ({ label: name, value: pairwiseAccuracy(judgeMargin(k), test.label), color: '#9e9e9e' })),
  ];
  T.accuracy = Object.fromEntries(rows.map((r) => [r.label, r.value]));
  const w = narrow() ? 380 : 460;
  $('acc').innerHTML = barChart(`Held-out accuracy, ${test.ids.length} pairs`, 'accuracy', rows, {
    xMin: 0.4, xMax: 1, width: w, label: 'Held-out pairwise accuracy: ' + rows.map((r) => `${r.label} ${(100 * r.value).toFixed(1)}%`).join(', '),
  });
  // best-of-N: the mean gold reward of each scorer's pick among the first N candidates of each prompt
  const ns = [1, 2, 4, 8, 16, 32];
  const items = bon, n = items.ids.length;
  const judge = (name) => { const k = items.models.indexOf(name); return Float64Array.from({ length: n }, (_, i) => { const v = items.scores[i * K + k]; return v === v ? v : -Infinity; }); };
  const bl = baselineItemScores(baselines, items.scores, ['mean', 'best']);
  const scorers = [
    { name: 'fusion', s: m.score(items).reward, color: '#d62728' },
    { name: 'mean', s: bl.mean, color: '#1f77b4' },
    { name: 'best judge', s: bl.best, color: '#17becf' },
    { name: 'keyword-counter', s: judge('keyword-counter'), color: '#9e9e9e' },
    { name: 'gold (oracle)', s: items.target, color: '#222', dashed: true },
  ];
  const series = scorers.map(({ name, s, color, dashed }) => ({ name, color, dashed, xs: ns, ys: ns.map((N) => bestOfNGold(s, items.target, BON_PROMPTS, BON_N, N)) }));
  const label = 'Best-of-N, mean gold reward of the pick at N = 32: ' + series.map((s) => `${s.name} ${s.ys[s.ys.length - 1].toFixed(2)}`).join(', ');
  $('bon').innerHTML = lineChart('Best-of-N: gold reward of the pick', 'N candidates', 'mean gold reward', series, { logX: true, label, width: w, legend: 'below' });
}

/**
 * The fused reward and the mean over two judges' z-scores, in the same units
 * (log-odds: the mean times its fitted temperature), on one colour scale.
 * When x and y name the same judge, both vary along x only.
 */
function heatmaps() {
  const m = T.model, K = m.models.length, F = m.features.length;
  const ix = m.models.indexOf($('rmx').value), iy = m.models.indexOf($('rmy').value), same = ix === iy;
  const d = SIM_DOMAINS.indexOf($('domain').value), fi = m.features.indexOf(`domain:${SIM_DOMAINS[d]}`);
  const tau = T.data.baselines.tau.mean;
  const z = (cell) => -ZMAX + (2 * ZMAX * (cell + 0.5)) / S; // cell centres
  const raw = (k, zz) => m.norm.center[k] + zz / m.norm.scale[k];
  const scores = new Float32Array(S * S * K).fill(NaN), feats = new Float32Array(S * S * F), mean = new Float32Array(S * S);
  for (let r = 0; r < S; r++) for (let c = 0; c < S; c++) {
    const i = r * S + c, zx = z(c), zy = z(S - 1 - r);
    scores[i * K + ix] = raw(ix, zx);
    if (!same) scores[i * K + iy] = raw(iy, zy);
    if (fi >= 0) feats[i * F + fi] = 1;
    mean[i] = tau * (same ? zx : (zx + zy) / 2);
  }
  const fused = m.score({ models: m.models, features: m.features, scores, feats, ids: new Array(S * S) }).reward;
  let R = 0;
  for (const v of [...fused, ...mean]) R = Math.max(R, Math.abs(v));
  R = niceCeil(R);
  paint($('heatFused'), fused, R);
  paint($('heatMean'), mean, R);
  T.heat = { fused, mean, R, same };
  // held-out responses of this domain with both judges' scores
  const h = T.data.held, pts = [];
  for (let i = 0; i < h.ids.length; i++) {
    if (h.groups[i] !== SIM_DOMAINS[d]) continue;
    const sx = h.scores[i * K + ix], sy = h.scores[i * K + iy];
    if (sx !== sx || sy !== sy) continue;
    pts.push({ x: (sx - m.norm.center[ix]) * m.norm.scale[ix], y: (sy - m.norm.center[iy]) * m.norm.scale[iy], gold: h.target[i] });
  }
  const med = [...pts.map((p) => p.gold)].sort((a, b) => a - b)[pts.length >> 1];
  const dots = pts.map((p) => ({ x: p.x, y: p.y, filled: p.gold > med }));
  const nx = `${m.models[ix]} (z-score)`, ny = same ? `${m.models[iy]} again (the same judge)` : `${m.models[iy]} (z-score)`;
  const lo = (v) => Math.min(...v), hi = (v) => Math.max(...v);
  const f2 = (x) => x.toFixed(2);
  $('axFused').innerHTML = heatFrame(nx, ny, -ZMAX, ZMAX, dots, `fused reward over ${nx} and ${ny}, from ${f2(lo(fused))} to ${f2(hi(fused))}`);
  $('axMean').innerHTML = heatFrame(nx, ny, -ZMAX, ZMAX, dots, `mean reward over ${nx} and ${ny}, from ${f2(lo(mean))} to ${f2(hi(mean))}`);
  $('heatFused').setAttribute('aria-label', `heat map of the fused reward: ${f2(lo(fused))} at its lowest to ${f2(hi(fused))} at its highest`);
  $('heatMean').setAttribute('aria-label', `heat map of the mean: ${f2(lo(mean))} to ${f2(hi(mean))}`);
  const gatedNote = m.arch.type === 'gated' ? ' A gated net\'s reward is e^s times a weighted mean of the z-scores present, so its extremes sit at the corners, ±e^s·3, whichever judges you pick; what the gate learned shows in the tilt of the colours.' : '';
  const sameNote = same ? ' x and y are the same judge: only its score varies, along x.' : '';
  $('capFused').textContent = `fusion (${m.arch.type}) in ${SIM_DOMAINS[d]}: ${f2(lo(fused))} … ${f2(hi(fused))}.${sameNote}${gatedNote}`;
  $('capMean').textContent = `mean of the z-scores × τ = ${tau.toFixed(2)} (its fitted temperature): ${f2(lo(mean))} … ${f2(hi(mean))}.${sameNote}`;
  $('colorbar').innerHTML = colorBar(-R, R, 'reward (log-odds), both maps', diverging, 320);
}

const niceCeil = (x) => { const p = 10 ** Math.floor(Math.log10(x || 1)); return [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].map((k) => k * p).find((v) => v >= x); };

function paint(canvas, v, R) {
  const ctx = canvas.getContext('2d'), cell = canvas.width / S, img = ctx.createImageData(canvas.width, canvas.height);
  for (let y = 0; y < canvas.height; y++) for (let x = 0; x < canvas.width; x++) {
    const [r, g, b] = diverging((v[Math.floor(y / cell) * S + Math.floor(x / cell)] + R) / (2 * R));
    const o = 4 * (y * canvas.width + x);
    img.data[o] = r; img.data[o + 1] = g; img.data[o + 2] = b; img.data[o + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

// ---- the judges ----
const KNOBS = [
  { key: 'noise', label: 'noise', max: 3 },
  { key: 'length', label: 'length bias', max: 2 },
  { key: 'stuffing', label: 'gameable', max: 3, only: 'keyword-counter' },
];

function judgesPanel() {
  if ($('judges').childElementCount) {
    T.judges.forEach((j, k) => {
      for (const kb of KNOBS) { const el = $(`j${k}-${kb.key}`); if (el) { el.value = j[kb.key]; el.nextElementSibling.textContent = j[kb.key].toFixed(1); } }
      $(`j${k}-expert`).value = String(j.expert);
    });
    return;
  }
  $('judges').innerHTML = T.judges.map((j, k) => `<div class="judge"><b>${esc(j.name)}</b>${KNOBS.filter((kb) => !kb.only || kb.only === j.name).map((kb) =>
    `<label>${kb.label}<input type="range" id="j${k}-${kb.key}" min="0" max="${kb.max}" step="0.1" value="${j[kb.key]}" aria-label="${esc(j.name)}: ${kb.label}"><output>${j[kb.key].toFixed(1)}</output></label>`).join('')}
    <label>expert in<select id="j${k}-expert" aria-label="${esc(j.name)}: expert in"><option value="-1">no domain</option>${SIM_DOMAINS.map((d, i) => `<option value="${i}">${d}</option>`).join('')}</select><span></span></label></div>`).join('');
  T.judges.forEach((j, k) => {
    $(`j${k}-expert`).value = String(j.expert);
    $(`j${k}-expert`).onchange = (e) => { j.expert = Number(e.target.value); judgesChanged(); };
    for (const kb of KNOBS) {
      const el = $(`j${k}-${kb.key}`);
      if (!el) continue;
      el.oninput = () => { j[kb.key] = Number(el.value); el.nextElementSibling.textContent = j[kb.key].toFixed(1); };
      el.onchange = judgesChanged;
    }
  });
}

/** New scores from the edited judges, for the same responses; the net keeps its weights and trains on. */
function judgesChanged() {
  const v = readInputs();
  if (!v || !T.fit) return;
  clearTimeout(T.timer);
  T.data = makeData(v.seed);
  const tr = T.data.train;
  const norm = fitNormaliser(tr.models.length, tr.a, tr.b), featNorm = fitNormaliser(tr.features.length, tr.feats);
  T.model.norm.center.set(norm.center); T.model.norm.scale.set(norm.scale);
  T.model.featNorm.center.set(featNorm.center); T.model.featNorm.scale.set(featNorm.scale);
  T.model.nets[0].setNormalisers(norm, featNorm);
  T.fit.setData(fitRows(tr));
  T.finished = false;
  T.epochBase = T.fit.history.length; // a fresh budget of epochs to adapt in
  T.fit.settings.epochs = T.epochBase + v.epochs;
  T.pairIndex = firstWrong(0);
  renderAll();
  play();
}

// ---- the walk: one real training step on one pair ----

/**
 * Run trainStep on pair i of `pairs` with `model`'s first net, as training
 * would now (lr, weight decay and the optimiser's state as they are), read
 * every activation and gradient, and undo the step. Returns the numbers the
 * walk shows.
 */
function walkData(model, pairs, i, opts) {
  const K = pairs.models.length, F = pairs.features.length, net = model.nets[0];
  const row = (x, w) => x.subarray(i * w, (i + 1) * w);
  // exactly one row per side: pair i's a and pair i's b
  const A = model.toModelColumns(pairs.models, pairs.features, row(pairs.a, K), row(pairs.feats, F), 1);
  const B = model.toModelColumns(pairs.models, pairs.features, row(pairs.b, K), row(pairs.feats, F), 1);
  const one = { kind: 'pairs', n: 1, a: A.x, b: B.x, featsA: A.f, featsB: B.f, target: new Float32Array([pairs.label[i]]) };
  const r = probeStep(net, one, { loss: 'bt', lr: opts.lr, weightDecay: opts.weightDecay }, () => ({ ...readTrace(net, 2, true), paramGrads: readParamGrads(net) }));
  const g = net.graph, at = (p) => (p.ptr - g.paramPtr) >> 2;
  const params = g.params.map((p, j) => {
    const sl = (x) => x.slice(at(p), at(p) + p.size);
    return { name: p.name, decay: p.decay, before: sl(r.before.params), after: sl(r.after.params), grad: r.look.paramGrads[j], m: sl(r.after.m), v: sl(r.after.v), mBefore: sl(r.before.m), vBefore: sl(r.before.v) };
  });
  return { i, id: pairs.ids[i], group: pairs.groups[i], label: pairs.label[i], rawA: A.x, rawB: B.x, loss: r.loss, input: r.look.input, cols: r.look.inputCols, ops: r.look.steps, params, t: r.after.steps, lr: opts.lr, weightDecay: opts.weightDecay, models: model.models, features: model.features };
}

/** The first training pair from `from` on that the model orders wrongly (margin's sign against the label). */
function firstWrong(from) {
  const tr = T.data.train, margin = T.model.scorePairs(tr).margin;
  for (let j = 0; j < tr.ids.length; j++) {
    const i = (from + j) % tr.ids.length;
    if (tr.label[i] !== 0.5 && (margin[i] > 0) !== (tr.label[i] === 1)) return i;
  }
  return from % tr.ids.length;
}

/** Adaptive notation: 4 significant digits, scientific below 10⁻³ or from 10⁴, so nothing non-zero reads 0.000. */
function num(v) {
  if (v === 0) return '0';
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e4) return String(Number(v.toPrecision(4)));
  return v.toExponential(3);
}

function renderWalk() {
  if (!T.model) return;
  const s = T.fit.settings;
  T.walk = walkData(T.model, T.data.train, T.pairIndex, { lr: s.lr, weightDecay: s.weightDecay });
  T.steps = walkSteps(T.walk);
  $('pair').value = String(T.pairIndex + 1);
  show(Math.min(T.at, T.steps.length - 1));
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

function vecTable(names, a, b, head = ['a', 'b']) {
  const peak = Math.max(1e-30, ...Array.from(a, Math.abs), ...Array.from(b, Math.abs));
  const cell = (v, side) => {
    const t = Math.min(1, Math.abs(v) / peak), bg = v >= 0 ? `rgba(214,39,40,${(0.45 * t).toFixed(3)})` : `rgba(31,119,180,${(0.45 * t).toFixed(3)})`;
    return `<td data-side="${side}" data-v="${v}" style="background:${bg}">${num(v)}</td>`;
  };
  return `<table class="vec"><thead><tr><th scope="col">column</th>${head.map((h) => `<th scope="col">${h}</th>`).join('')}</tr></thead><tbody>${names.map((n, j) => `<tr><th scope="row">${esc(n)}</th>${cell(a[j], 'a')}${cell(b[j], 'b')}</tr>`).join('')}</tbody></table>`;
}

function walkSteps(w) {
  const C = w.cols, names = columnNames(w);
  const side = (v, r, cols) => v.subarray(r * cols, (r + 1) * cols);
  const steps = [];
  const ra = w.ops[w.ops.length - 1].values[0], rb = w.ops[w.ops.length - 1].values[1], t = w.label;
  const sig = (x) => 1 / (1 + Math.exp(-x));
  const p = sig(ra - rb);
  steps.push({
    title: `the pair: ${w.id} (${w.group}), training pair ${w.i + 1}; label: ${t === 1 ? 'a is better' : t === 0 ? 'b is better' : 'a tie'}`,
    html: `<p>The net now gives P(a ≻ b) = σ(r_a − r_b) = ${num(p)}: it ${(p > 0.5) === (t === 1) ? 'gets this pair right' : 'gets this pair <b>wrong</b>'}. The judges' raw scores (— : no score):</p>` +
      `<table class="vec"><thead><tr><th scope="col">judge</th><th scope="col">a</th><th scope="col">b</th></tr></thead><tbody>${w.models.map((m, k) => `<tr><th scope="row">${esc(m)}</th><td>${w.rawA[k] === w.rawA[k] ? num(w.rawA[k]) : '—'}</td><td>${w.rawB[k] === w.rawB[k] ? num(w.rawB[k]) : '—'}</td></tr>`).join('')}</tbody></table>`,
  });
  steps.push({
    title: 'input: [z-scores | has-score masks | domain features] for response a and b (load batch, then zero the gradients)',
    html: `<p>z = (score − median)/spread, per judge, fitted on the training pairs; 0 and mask 0 where a judge gave no score.</p>` + vecTable(names('x', C), side(w.input, 0, C), side(w.input, 1, C)),
    sides: { a: side(w.input, 0, C), b: side(w.input, 1, C) },
  });
  for (const s of w.ops) {
    steps.push({
      title: `forward: ${s.op} → ${s.out} (its backward will read ${s.saves.join(', ') || 'nothing'})`,
      html: vecTable(names(s.out, s.cols), side(s.values, 0, s.cols), side(s.values, 1, s.cols)),
    });
  }
  steps.push({
    title: `loss: −[t·log σ(r_a − r_b) + (1 − t)·log σ(r_b − r_a)] = ${num(w.loss)}, t = ${t}`,
    html: `<p class="formula">r_a = ${num(ra)}, r_b = ${num(rb)}, σ(r_a − r_b) = ${num(p)}<br>L = ${num(w.loss)}<br>dL/dr_a = σ(r_a − r_b) − t = ${num(p - t)}, dL/dr_b = −dL/dr_a</p>` +
      `<p>The backward pass now carries this gradient back through every op, in reverse.</p>`,
  });
  for (const s of [...w.ops].reverse()) {
    if (!s.grad) continue;
    steps.push({
      title: `backward: dL/d(${s.out})`,
      html: (s.op.endsWith('+relu') ? '<p class="small muted">After a fused linear+relu, the gradient shown is at its pre-activation (the relu\'s mask is applied in place).</p>' : '') +
        vecTable(names(s.out, s.cols), side(s.grad, 0, s.cols), side(s.grad, 1, s.cols)),
      grads: { a: side(s.grad, 0, s.cols), b: side(s.grad, 1, s.cols) },
    });
  }
  const b1 = 0.9, b2 = 0.999; // Graph.step's defaults, which training uses
  const c1 = 1 / (1 - b1 ** w.t), c2 = 1 / (1 - b2 ** w.t);
  for (const prm of w.params) {
    const n = prm.before.length, idx = range(0, n);
    const shown = n <= 16 ? idx : idx.sort((x, y) => Math.abs(prm.grad[y]) - Math.abs(prm.grad[x])).slice(0, 8).sort((x, y) => x - y);
    const nm = paramNames(w, prm.name, n);
    let g2 = 0, dmax = 0;
    for (let j = 0; j < n; j++) { g2 += prm.grad[j] * prm.grad[j]; dmax = Math.max(dmax, Math.abs(prm.after[j] - prm.before[j])); }
    const rows = shown.map((j) => {
      const dir = (prm.m[j] * c1) / (Math.sqrt(prm.v[j] * c2) + 1e-8);
      return `<tr><th scope="row">${esc(nm(j))}</th><td>${num(prm.before[j])}</td><td>${num(prm.grad[j])}</td><td>${num(dir)}</td><td data-delta="${prm.after[j] - prm.before[j]}">${num(prm.after[j] - prm.before[j])}</td></tr>`;
    }).join('');
    steps.push({
      title: `AdamW update of ${prm.name} (${n} value${n === 1 ? '' : 's'}${n > 16 ? '; the 8 with the largest |dL/dθ|' : ''})`,
      html: `<p class="formula">θ ← θ·(1 − lr·wd) − lr·m̂/(√v̂ + ε), lr = ${w.lr}, wd = ${prm.decay ? w.weightDecay : '0 (not decayed: a bias or a scale)'}, Adam step t = ${w.t}, m̂ = m/(1 − ${b1}^t), v̂ = v/(1 − ${b2}^t)<br>‖dL/dθ‖ = ${num(Math.sqrt(g2))}, largest |Δθ| = ${num(dmax)}</p>` +
        `<table class="vec"><thead><tr><th scope="col">θ entry</th><th scope="col">θ</th><th scope="col">dL/dθ</th><th scope="col">m̂/(√v̂+ε)</th><th scope="col">Δθ</th></tr></thead><tbody>${rows}</tbody></table>`,
      param: prm.name,
    });
  }
  steps.push({
    title: `why Adam's first steps are ±lr, and this one (step ${w.t})`,
    html: `<p>Adam moves each parameter by lr times m̂/(√v̂ + ε): a running mean of its gradient over a running root-mean-square. At the first step m̂ = g and v̂ = g², so the ratio is ±1 whatever the gradient's size: every parameter moves by ±lr (= ${w.lr}), even where dL/dθ is 10⁻⁵. Over later steps the ratio shrinks where gradients disagree from batch to batch and stays near ±1 where they agree. Weight decay then shrinks each weight by lr·wd = ${num(w.lr * w.weightDecay)} of itself.</p>` +
      `<p>This walk is Adam step ${w.t} of this net${w.t === 1 ? ': a fresh optimiser, so the moves are ±lr' : ', with the moments its training has built up'}. Pick another pair, or train on and come back.</p>`,
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

function show(i) {
  const steps = T.steps;
  if (!steps.length) return;
  T.at = Math.max(0, Math.min(steps.length - 1, i));
  const s = steps[T.at];
  $('where').textContent = `step ${T.at + 1} of ${steps.length}: ${s.title.split(':')[0]}`;
  $('step').innerHTML = `<p><b>${esc(s.title)}</b></p>${s.html}`;
  $('prev').disabled = T.at === 0;
  $('next').disabled = T.at === steps.length - 1;
}

function pickPair() {
  const el = $('pair'), text = el.value.trim(), x = Number(text), n = T.data.train.ids.length;
  const ok = text !== '' && Number.isInteger(x) && x >= 1 && x <= n;
  el.setAttribute('aria-invalid', ok ? 'false' : 'true');
  $('pairErr').textContent = ok ? '' : `the training pair must be a whole number from 1 to ${n}, got ${text || 'nothing'}`;
  if (!ok) return;
  T.pairIndex = x - 1;
  T.pairPicked = true;
  T.at = 0;
  renderWalk();
}

// ---- wiring ----
await init();
for (const sel of [$('rmx'), $('rmy')]) for (const j of T.judges) sel.add(new Option(j.name, j.name));
$('rmx').value = 'careful';
$('rmy').value = 'keyword-counter';
$('play').onclick = () => (T.playing ? pause() : play());
$('epoch').onclick = stepEpoch;
$('reset').onclick = newNet;
for (const id of ['arch', 'width', 'val', 'seed']) $(id).onchange = newNet;
for (const id of ['lr', 'wd', 'dropout', 'epochs']) $(id).onchange = () => { if (applySettings() && !T.playing) { status(); renderWalk(); } };
for (const id of Object.keys(INPUTS)) $(id).oninput = readInputs;
for (const id of ['rmx', 'rmy', 'domain']) $(id).onchange = () => T.model && heatmaps();
$('judgesReset').onclick = () => { T.judges.forEach((j, k) => Object.assign(j, SIM_JUDGES[k])); judgesPanel(); judgesChanged(); };
$('prev').onclick = () => show(T.at - 1);
$('next').onclick = () => show(T.at + 1);
$('pair').onchange = pickPair;
$('wrong').onclick = () => { T.pairPicked = true; T.pairIndex = firstWrong(T.pairIndex + 1); T.at = 0; renderWalk(); };
document.addEventListener('keydown', (e) => {
  const typing = /^(INPUT|SELECT|TEXTAREA)$/.test(document.activeElement?.tagName ?? '') && document.activeElement.type !== 'range';
  if (typing || e.altKey || e.ctrlKey || e.metaKey) return;
  if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
    if (document.activeElement?.type === 'range') return;
    show(T.at + (e.key === 'ArrowRight' ? 1 : -1));
    e.preventDefault();
  }
});
let resized = 0;
window.addEventListener('resize', () => { clearTimeout(resized); resized = setTimeout(() => T.model && renderLive(), 150); });

// for the tests: the walk on any model and pairs, and a model file
Object.assign(T, { walkData, walkSteps, loadModel, newNet, play, pause, stepEpoch, show, num });
newNet();
if (new URLSearchParams(location.search).has('autotrain')) { $('speed').value = '0'; play(); }
