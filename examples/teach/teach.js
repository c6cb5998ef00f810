// The teaching page. The net trains here, one epoch at a time, with the
// library's own fit loop (Fit in train/fit.ts: each batch is trainStep), so it
// can be played, paused, stepped, steered, and trained on after it stops; the
// walk (walk.js) runs the real trainStep on one pair and undoes it; heat.js
// draws the net over two judges' axes, its hidden units too.
import { init, simulateEnsemble, simPairs, simItems, loadModel, saveModel } from '../../dist/index.js';
import { SIM_JUDGES, SIM_DOMAINS } from '../../dist/sim.js';
import { fitBaselines, scoreBaselines, baselineItemScores, pairwiseAccuracy, bestOfNGold } from '../../dist/eval.js';
import { FusionModel, fitNormaliser, ARCHS, Fit, lineChart, groupedBars, esc } from '../../dist/teach.js';
import { walkData, walkSteps, pairRecord, num } from './walk.js';
import { lossChart, accuracyChart, wilson } from './charts.js';
import { heatmaps, unitMaps } from './heat.js';
import { readSettings, writeSettings } from './settings.js';

const $ = (id) => document.getElementById(id);
const PROMPTS = 300, TRAIN_PROMPTS = 210, BON_PROMPTS = 60, BON_N = 32;
const range = (a, b) => Array.from({ length: b - a }, (_, i) => a + i);

// the state, on window for the browser tests and the curious
const T = (window.teach = { judges: SIM_JUDGES.map((j) => ({ ...j })), steps: [], at: 0, playing: false, restarts: 0, said: [] });

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
  pause(false);
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
  T.bestState = null;
  T.restarts++;
  T.pairIndex = firstWrong(0);
  $('pair').max = String(tr.ids.length);
  clearPending();
  setState('ready', `a new ${type} net, untrained: press play`);
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
function setState(s, say) {
  document.body.dataset.state = s;
  $('play').innerHTML = T.playing ? '<span aria-hidden="true">❚❚ </span>pause' : '<span aria-hidden="true">▶ </span>play';
  // the live region: phases only (started, paused, stopped and why), never every epoch
  if (say) { $('phase').textContent = say; T.said.push(say); }
}

/**
 * After the fit ended (early stopping or its epochs), train on: a fresh budget
 * of epochs from the restored best state, early stopping watching anew.
 */
function trainOn() {
  if (!T.finished) done(false);
  T.fit.setData(fitRows(T.data.train)); // the same rows: re-arms early stopping, forgets the best so far
  T.epochBase = T.fit.history.length;
  T.finished = false;
  T.bestState = null;
  applySettings();
  T.resumedAt = T.fit.history.length;
}

function play() {
  if (!applySettings()) return;
  if (!T.fit.running) trainOn();
  T.playing = true;
  setState('training', T.resumedAt === T.fit.history.length && T.resumedAt ? `training on from epoch ${T.resumedAt}` : 'training');
  tick();
}

function pause(say = true) {
  const was = T.playing;
  T.playing = false;
  clearTimeout(T.timer);
  if (!T.fit) return;
  if (!T.pairPicked) T.pairIndex = firstWrong(0);
  setState(T.fit.running ? 'paused' : 'trained', say && was ? `paused at epoch ${T.fit.history.length}` : '');
  status();
  renderWalk();
}

// the optimiser's state at the best validation epoch, so the restored weights come with their own moments
function remember() {
  const f = T.fit, g = T.model.nets[0].graph;
  if (f.nVal && f.bestEpoch === f.history.length) T.bestState = { ...g.getMoments(), steps: g.steps, epoch: f.bestEpoch };
}

function oneEpoch() {
  const r = T.fit.epoch();
  if (r) remember();
  return r;
}

function tick() {
  if (!T.playing) return;
  const pace = Number($('speed').value), t0 = performance.now();
  try {
    // one epoch a tick at a chosen pace; as fast as it goes: epochs for 40 ms, then draw
    do { if (!oneEpoch()) break; } while (pace === 0 && performance.now() - t0 < 40);
  } catch (e) {
    return fail(e);
  }
  if (!T.fit.running) return done();
  renderLive();
  T.timer = setTimeout(tick, pace === 0 ? 0 : Math.max(0, 1000 / pace - (performance.now() - t0)));
}

function stepEpoch() {
  pause(false);
  if (!applySettings()) return;
  if (!T.fit.running) trainOn();
  try {
    oneEpoch();
  } catch (e) {
    return fail(e);
  }
  if (!T.fit.running) return done();
  setState('paused', T.fit.history.length === 1 ? 'one epoch trained' : '');
  renderAll();
}

function done(render = true) {
  T.playing = false;
  const f = T.fit, g = T.model.nets[0].graph;
  f.finish(); // the best validation epoch's weights, when there was a validation split
  // …and that epoch's Adam moments and step count, so the walk's weights and moments agree
  if (T.bestState && f.nVal) { g.setMoments(T.bestState); g.steps = T.bestState.steps; }
  T.finished = true;
  T.ended = f.ended;
  if (!T.pairPicked) T.pairIndex = firstWrong(0);
  if (!render) return;
  setState('trained', stopWords());
  renderAll();
}

function fail(e) {
  T.playing = false;
  $('status').textContent = `error: ${e.message}`;
  $('status').dataset.error = '';
  setState('error', `error: ${e.message}`);
}

// why the fit stopped, and how to go on
function stopWords() {
  const f = T.fit, h = f.history, o = f.settings, four = (x) => x.toFixed(4);
  const why = T.ended === 'early stopping'
    ? `stopped early at epoch ${h.length}: the validation loss has not beaten epoch ${f.bestEpoch}'s (${four(f.bestValLoss)}) for ${o.patience} epochs`
    : T.ended === 'converged' ? `stopped at epoch ${h.length}: the training loss is flat` : `done: all ${h.length - T.epochBase} epochs trained`;
  const restored = f.nVal ? `; epoch ${f.bestEpoch}'s weights and Adam state are restored` : '';
  return `${why}${restored}. Press play or step one epoch to train on from here (for another ${$('epochs').value} epochs at most).`;
}

function status() {
  const f = T.fit, h = f.history, last = h[h.length - 1], o = f.settings;
  const four = (x) => x.toFixed(4);
  let s = h.length ? `epoch ${last.epoch} of ${o.epochs} · train loss ${four(last.trainLoss)}` : `epoch 0 of ${o.epochs}: an untrained net`;
  if (last && last.valLoss !== null) s += ` · validation loss ${four(last.valLoss)} (best ${four(f.bestValLoss)} at epoch ${f.bestEpoch})`;
  else if (last) s += ' · no validation split';
  if (T.finished) s = stopWords();
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
  heatmaps(T, $);
  unitMaps(T, $);
  writeSettings(T);
}

function renderAll() {
  renderLive();
  judgesPanel();
  renderWalk();
}

function curve() {
  const h = T.fit.history, last = h[h.length - 1], f = T.fit;
  const label = h.length ? `Loss curve over ${h.length} epochs: train loss from ${h[0].trainLoss.toFixed(3)} to ${last.trainLoss.toFixed(3)}${last.valLoss !== null ? `, validation loss now ${last.valLoss.toFixed(3)}, best at epoch ${f.bestEpoch}` : ''}` : 'Loss curve: no epochs yet';
  $('curve').innerHTML = lossChart(h, { best: f.nVal && f.bestEpoch ? f.bestEpoch : 0, hasVal: f.nVal > 0, width: narrow() ? 380 : 640, label });
  // where training sits above validation, say why
  const above = f.nVal ? h.filter((e) => e.valLoss !== null && e.trainLoss > e.valLoss).length : 0;
  $('curveNote').textContent = above
    ? `The training loss is above the validation loss in ${above} of ${h.length} epochs: training sees each pair with model dropout (${$('dropout').value} of the judges' scores hidden at random), which makes it harder; the validation loss is measured with every score present. It is also the mean over an epoch in which the net was still improving.`
    : '';
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

/** One judge's margins on pairs, as the best-judge baseline scores them: z-scores, a missing score as z = 0. */
function judgeMargin(pairs, k, norm) {
  const K = pairs.models.length, z = (x) => (x === x ? (x - norm.center[k]) * norm.scale[k] : 0);
  return Float64Array.from({ length: pairs.ids.length }, (_, i) => z(pairs.a[i * K + k]) - z(pairs.b[i * K + k]));
}

function fusionHelps() {
  const { test, bon, baselines } = T.data, m = T.model, K = test.models.length;
  const base = scoreBaselines(baselines, test);
  const n = Array.from(test.label).filter((t) => t !== 0.5).length;
  const row = (label, margin, color) => {
    const value = pairwiseAccuracy(margin, test.label), [lo, hi] = wilson(value, n);
    return { label, value, lo, hi, color };
  };
  const rows = [
    row(`fusion (${m.arch.type})`, m.scorePairs(test).margin, '#d62728'),
    row('mean', base.margin.mean, '#1f77b4'),
    row(`best judge (${m.models[baselines.best]})`, base.margin.best, '#1f77b4'),
    ...m.models.map((name, k) => row(name, judgeMargin(test, k, baselines.norm), '#767676')),
  ];
  T.accuracy = Object.fromEntries(rows.map((r) => [r.label, r.value]));
  const w = narrow() ? 380 : 460;
  $('acc').innerHTML = accuracyChart(rows, { n, width: w, label: 'Held-out pairwise accuracy, with 95% intervals: ' + rows.map((r) => `${r.label} ${(100 * r.value).toFixed(1)}% (${(100 * r.lo).toFixed(1)}–${(100 * r.hi).toFixed(1)})`).join(', ') });
  // best-of-N: the mean gold reward of each scorer's pick among the first N candidates of each prompt
  const ns = [1, 2, 4, 8, 16, 32];
  const items = bon, ni = items.ids.length;
  const judge = (name) => { const k = items.models.indexOf(name); return Float64Array.from({ length: ni }, (_, i) => { const v = items.scores[i * K + k]; return v === v ? v : -Infinity; }); };
  const bl = baselineItemScores(baselines, items.scores, ['mean', 'best']);
  const scorers = [
    { name: 'fusion', s: m.score(items).reward, color: '#d62728' },
    { name: 'mean', s: bl.mean, color: '#1f77b4' },
    { name: 'best judge', s: bl.best, color: '#17becf' },
    { name: 'keyword-counter', s: judge('keyword-counter'), color: '#767676' },
    { name: 'gold (oracle)', s: items.target, color: '#222', dashed: true },
  ];
  const series = scorers.map(({ name, s, color, dashed }) => ({ name, color, dashed, xs: ns, ys: ns.map((N) => bestOfNGold(s, items.target, BON_PROMPTS, BON_N, N)) }));
  const label = 'Best-of-N, mean gold reward of the pick at N = 32: ' + series.map((s) => `${s.name} ${s.ys[s.ys.length - 1].toFixed(2)}`).join(', ');
  $('bon').innerHTML = lineChart('Best-of-N: gold reward of the pick', 'N candidates', 'mean gold reward', series, { logX: true, label, width: w, legend: 'below' });
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
  $('judges').innerHTML = T.judges.map((j, k) => `<fieldset class="judge"><legend>${esc(j.name)}</legend>${KNOBS.filter((kb) => !kb.only || kb.only === j.name).map((kb) =>
    `<label for="j${k}-${kb.key}">${kb.label}</label><input type="range" id="j${k}-${kb.key}" min="0" max="${kb.max}" step="0.1" value="${j[kb.key]}"><output for="j${k}-${kb.key}">${j[kb.key].toFixed(1)}</output>`).join('')}
    <label for="j${k}-expert">expert in</label><select id="j${k}-expert"><option value="-1">no domain</option>${SIM_DOMAINS.map((d, i) => `<option value="${i}">${d}</option>`).join('')}</select><span></span></fieldset>`).join('');
  T.judges.forEach((j, k) => {
    const sel = $(`j${k}-expert`);
    sel.value = String(j.expert);
    whenChosen(sel, () => { j.expert = Number(sel.value); judgesChanged(); }, () => `press Enter (or leave the list) to make ${j.name} an expert in ${sel.selectedOptions[0].text} and retrain`);
    for (const kb of KNOBS) {
      const el = $(`j${k}-${kb.key}`);
      if (!el) continue;
      el.oninput = () => { el.nextElementSibling.textContent = Number(el.value).toFixed(1); };
      whenChosen(el, () => { j[kb.key] = Number(el.value); judgesChanged(); }, `press Enter (or leave the slider) to apply ${j.name}'s ${kb.label} and retrain`);
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
  T.bestState = null;
  T.restarts++;
  T.epochBase = T.fit.history.length; // a fresh budget of epochs to adapt in
  T.fit.settings.epochs = T.epochBase + v.epochs;
  T.pairIndex = firstWrong(0);
  renderAll();
  play();
}

/**
 * A select or slider: a pointer's choice applies at once; one made with the
 * keyboard (arrows step through the values, each a change) waits for Enter or
 * for the focus to leave, so stepping through does not restart anything.
 */
let keyed = null;
document.addEventListener('keydown', (e) => { keyed = e.target; }, true);
document.addEventListener('keyup', () => { keyed = null; }, true);
function whenChosen(el, apply, hint) {
  const go = () => { if (el.dataset.pending) { delete el.dataset.pending; clearPending(); apply(); } };
  el.addEventListener('change', () => {
    if (keyed !== el) { delete el.dataset.pending; return apply(); }
    el.dataset.pending = '1';
    $('pending').textContent = typeof hint === 'function' ? hint() : hint;
  });
  el.addEventListener('keydown', (e) => { if (e.key === 'Enter') go(); });
  el.addEventListener('blur', go);
}
const clearPending = () => { $('pending').textContent = ''; };

// ---- the walk: one real training step on one pair ----

/** The first training pair from `from` on that the model orders wrongly (margin's sign against the label). */
function firstWrong(from) {
  const tr = T.data.train, margin = T.model.scorePairs(tr).margin;
  for (let j = 0; j < tr.ids.length; j++) {
    const i = (from + j) % tr.ids.length;
    if (tr.label[i] !== 0.5 && (margin[i] > 0) !== (tr.label[i] === 1)) return i;
  }
  return from % tr.ids.length;
}

const fresh = () => document.querySelector('input[name="opt"]:checked')?.value === 'fresh';

function renderWalk() {
  if (!T.model) return;
  const s = T.fit.settings;
  T.walk = walkData(T.model, T.data.train, T.pairIndex, { lr: s.lr, weightDecay: s.weightDecay, fresh: fresh() });
  T.steps = walkSteps(T.walk);
  $('pair').value = String(T.pairIndex + 1);
  const g = T.model.nets[0].graph;
  $('optTrain').textContent = `the training's optimiser (Adam step ${g.steps + 1}, with the moments of ${g.steps} steps)`;
  $('exported').hidden = true;
  show(Math.min(T.at, T.steps.length - 1));
}

function show(i) {
  const steps = T.steps;
  if (!steps.length) return;
  T.at = Math.max(0, Math.min(steps.length - 1, i));
  const s = steps[T.at];
  $('where').textContent = `step ${T.at + 1} of ${steps.length}: ${s.title.split(':')[0]}`;
  $('step').innerHTML = `<h3>${esc(s.title)}</h3>${s.html}`;
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

/** The page's model (its lr and weight decay recorded, as explain --trace reads them) and the walk's pair, as files. */
function exportFiles() {
  const s = T.fit.settings, v = readInputs() ?? {};
  T.model.train = {
    options: { arch: T.model.arch.type, hidden: [...T.model.arch.hidden], lr: s.lr, weightDecay: s.weightDecay, modelDropout: s.modelDropout, epochs: T.fit.history.length, val: v.val, seed: v.seed },
    rows: T.data.train.ids.length, source: 'the teaching page (examples/teach)',
    fit: [{ bestEpoch: T.fit.bestEpoch, bestValLoss: T.fit.bestValLoss, epochs: T.fit.history.length, steps: T.model.nets[0].graph.steps, trainLoss: T.fit.history.map((e) => e.trainLoss), valLoss: T.fit.history.map((e) => e.valLoss) }],
  };
  return { model: saveModel(T.model), pair: JSON.stringify(pairRecord(T.data.train, T.pairIndex), null, 1) + '\n' };
}

function exportClicked() {
  const files = exportFiles();
  for (const [id, text] of [['dlModel', files.model], ['dlPair', files.pair]]) {
    const a = $(id);
    if (a.href) URL.revokeObjectURL(a.href);
    a.href = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  }
  $('exported').hidden = false;
  $('dlModel').focus();
}

// ---- wiring ----
await init();
for (const sel of [$('rmx'), $('rmy')]) for (const j of T.judges) sel.add(new Option(j.name, j.name));
$('rmx').value = 'careful';
$('rmy').value = 'keyword-counter';
const urlState = readSettings(T, $, INPUTS), autotrain = new URLSearchParams(location.search).has('autotrain');
$('play').onclick = () => (T.playing ? pause() : play());
$('epoch').onclick = stepEpoch;
$('reset').onclick = newNet;
// the architecture: a new net only when it differs from the net's (choosing it back keeps the trained net)
whenChosen($('arch'), () => { if ($('arch').value !== T.model?.arch.type) newNet(); }, () => ($('arch').value === T.model?.arch.type
  ? `${$('arch').value}: the net you have; nothing changes`
  : `press Enter (or leave the list) to start a new ${$('arch').value} net: the trained ${T.model?.arch.type} net is then thrown away; choose ${T.model?.arch.type} again to keep it`));
for (const id of ['width', 'val', 'seed']) $(id).onchange = newNet;
for (const id of ['lr', 'wd', 'dropout', 'epochs']) $(id).onchange = () => { if (applySettings() && !T.playing) { status(); renderWalk(); writeSettings(T); } };
for (const id of Object.keys(INPUTS)) $(id).oninput = readInputs;
$('speed').onchange = () => writeSettings(T);
for (const id of ['rmx', 'rmy', 'domain']) $(id).onchange = () => { if (T.model) { heatmaps(T, $); unitMaps(T, $); writeSettings(T); } };
$('judgesReset').onclick = () => { T.judges.forEach((j, k) => Object.assign(j, SIM_JUDGES[k])); judgesPanel(); judgesChanged(); };
$('prev').onclick = () => show(T.at - 1);
$('next').onclick = () => show(T.at + 1);
$('pair').onchange = () => { pickPair(); writeSettings(T); };
for (const r of document.querySelectorAll('input[name="opt"]')) r.onchange = () => { renderWalk(); writeSettings(T); };
$('export').onclick = exportClicked;
$('wrong').onclick = () => { T.pairPicked = true; T.pairIndex = firstWrong(T.pairIndex + 1); T.at = 0; renderWalk(); writeSettings(T); };
// the walk's keys, only with the focus on the walk: ← → a step, Home End the first and last
$('walk').addEventListener('keydown', (e) => {
  if (e.altKey || e.ctrlKey || e.metaKey || e.target !== $('walk')) return;
  const to = { ArrowRight: T.at + 1, ArrowLeft: T.at - 1, Home: 0, End: T.steps.length - 1 }[e.key];
  if (to === undefined) return;
  show(to);
  e.preventDefault();
});
let resized = 0;
window.addEventListener('resize', () => { clearTimeout(resized); resized = setTimeout(() => T.model && renderLive(), 150); });

// for the tests: the walk on any model and pairs, and the files export writes
Object.assign(T, { walkData, walkSteps, loadModel, newNet, play, pause, stepEpoch, show, num, exportFiles, renderLive });
newNet();
if (urlState.note) $('pending').textContent = urlState.note;
if (urlState.pair && T.model) { T.pairIndex = Math.min(urlState.pair, T.data.train.ids.length) - 1; T.pairPicked = true; renderWalk(); }
if (autotrain) { $('speed').value = '0'; play(); }
