// The teaching page in Chromium (playwright-core), read as a learner reads it:
// the walk's displayed cells against an independent float64 computation from
// the page's exported model (test/teach-ref.mjs: forward, loss, gradients by
// finite differences, AdamW), the accuracies against a recount on the held-out
// pairs, the heat maps' pixels against the maps' formulas; training on after
// early stopping; the CLI on the exported files; the keyboard, live regions and
// axe-core at 1280 and 400 px. TEACH_SHOTS=docs writes the README's screenshots.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import * as lib from '../dist/index.js';
import { diverging } from '../dist/report/svg.js';
import { FusionModel } from '../dist/models/model.js';
import { fitNormaliser } from '../dist/models/normalise.js';
import { Fit } from '../dist/train/fit.js';
import { serve } from '../scripts/serve.mjs';
import { haveChromium, launchChromium } from './chromium.mjs';
import { refNet } from './teach-ref.mjs';

const Teach = suite('teaching page (chromium)');
const range = (a, b) => Array.from({ length: b - a }, (_, i) => a + i);
// a displayed number (4 significant digits) against a float64 reference; `floor`: the f32 engine's noise for this quantity
const near = (shown, ref, floor = 1e-7) => Math.abs(shown - ref) <= 6e-4 * Math.abs(ref) + floor;

if (haveChromium()) {
  let browser, server, url;
  const dir = mkdtempSync(join(tmpdir(), 'rewardfuse-teach-'));

  Teach.before(async () => {
    await lib.init();
    ({ server, url } = await serve());
    browser = await launchChromium();
  });

  Teach.after(async () => {
    await browser?.close();
    server?.close();
  });

  // the page, loaded and idle (an untrained net at epoch 0), or trained with ?autotrain
  const open = async (query = '', viewport = { width: 1100, height: 900 }) => {
    const page = await browser.newPage({ viewport });
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${url}examples/teach/${query}`);
    await page.waitForSelector(query.includes('autotrain') ? 'body[data-state="trained"], body[data-state="error"]' : 'body[data-state="ready"]', { timeout: 30000 });
    return { page, errors };
  };
  const set = (page, id, value) => page.evaluate(([id, value]) => {
    const el = document.getElementById(id);
    el.value = value;
    el.dispatchEvent(new Event('input'));
    el.dispatchEvent(new Event('change'));
  }, [id, value]);
  let shared;
  const sharedTrained = async () => (shared ??= await open('?autotrain'));
  const trained = (page) => page.waitForSelector('body[data-state="trained"], body[data-state="error"]', { timeout: 30000 });

  // every screen of the walk as shown: its title, outputs, formulas and tables (header row, then rows of cell texts)
  const readWalk = (page) => page.evaluate(() => {
    const T = window.teach, out = [];
    for (let i = 0; i < T.steps.length; i++) {
      T.show(i);
      const step = document.getElementById('step');
      const tables = [...step.querySelectorAll('table')].map((t) => ({
        cls: t.className, id: t.id,
        head: [...t.querySelectorAll('thead th')].map((th) => th.textContent),
        rows: [...t.querySelectorAll('tbody tr')].map((tr) => [...tr.children].map((c) => c.textContent)),
      }));
      out.push({ title: step.querySelector('h3').textContent, text: step.innerText, tables, pAB: step.querySelector('#pAB')?.textContent, verdict: step.querySelector('#verdict')?.textContent, wide: document.documentElement.scrollWidth > window.innerWidth });
    }
    T.show(0);
    return out;
  });
  // the optimiser's state behind the walk, per parameter block (the exported model does not hold it)
  const moments = (page) => page.evaluate(() => {
    const T = window.teach, g = T.model.nets[0].graph, { m, v } = g.getMoments(), at = (p) => (p.ptr - g.paramPtr) >> 2;
    return { steps: g.steps, blocks: Object.fromEntries(g.params.map((p) => [p.name, { m: Array.from(m.slice(at(p), at(p) + p.size)), v: Array.from(v.slice(at(p), at(p) + p.size)) }])) };
  });
  const value = (s) => (s === '—' ? null : Number(s));

  /** Check every displayed number of the walk against the float64 reference; returns what it checked. */
  function checkWalk(screens, ref, rec, opt) {
    const what = `${ref.file.arch.type}, ${opt.fresh ? 'fresh' : 'training'} optimiser`;
    const P = ref.pair(rec), K = ref.file.models.length;
    let cells = 0;
    const cmp = (shown, want, label, floor) => {
      assert.ok(Number.isFinite(shown) && near(shown, want, floor), `${what}: ${label}: shown ${shown}, float64 ${want}`);
      cells++;
    };
    // the pair: P(a ≻ b) and the verdict, the raw scores
    const pairScreen = screens[0];
    cmp(Number(pairScreen.pAB), P.p, 'P(a ≻ b)');
    assert.is(pairScreen.verdict, P.t === 0.5 ? 'has no right answer (a tie)' : (P.p > 0.5) === (P.t === 1) ? 'gets this pair right' : 'gets this pair wrong', `${what}: the verdict`);
    for (const [judge, a, b] of pairScreen.tables[0].rows) {
      for (const [side, shown] of [['a', a], ['b', b]]) {
        if (rec[side][judge] === null) assert.is(shown, '—', `${what}: ${judge} gave ${side} no score`);
        else cmp(value(shown), rec[side][judge], `raw ${side} of ${judge}`);
      }
    }
    // the normaliser and the input rows
    const input = screens.find((s) => s.title.startsWith('input'));
    const norm = input.tables.find((t) => t.id === 'norm');
    ref.file.models.forEach((m, k) => {
      const [name, median, spread, za, zb] = norm.rows[k];
      assert.is(name, m);
      cmp(Number(median), ref.file.normalisation.center[k], `median of ${m}`);
      cmp(Number(spread), 1 / ref.file.normalisation.scale[k], `spread of ${m}`);
      if (rec.a[m] !== null) cmp(Number(za), P.A.x[k], `z a of ${m}`, 1e-6);
      if (rec.b[m] !== null) cmp(Number(zb), P.B.x[k], `z b of ${m}`, 1e-6);
    });
    const rows = input.tables[input.tables.length - 1].rows;
    rows.forEach(([, a, b], c) => { cmp(Number(a), P.A.x[c], `input a column ${c}`, 1e-6); cmp(Number(b), P.B.x[c], `input b column ${c}`, 1e-6); });
    assert.is(rows.length, P.A.x.length);
    // forward: each op's output, a and b
    for (const s of screens.filter((x) => x.title.startsWith('forward'))) {
      const name = /→ (\S+)/.exec(s.title)[1], t = s.tables[s.tables.length - 1];
      assert.ok(P.A[name], `${what}: the reference has no tensor ${name}`);
      t.rows.forEach(([col, a, b], c) => { cmp(Number(a), P.A[name][c], `${name} a ${col}`, 1e-6); cmp(Number(b), P.B[name][c], `${name} b ${col}`, 1e-6); });
    }
    // the loss, in the title and the formulas
    const lossScreen = screens.find((s) => s.title.startsWith('loss'));
    cmp(Number(/= (\S+), t = /.exec(lossScreen.title)[1]), P.loss, 'the loss in the title');
    cmp(Number(/L = (\S+)/.exec(lossScreen.text)[1]), P.loss, 'the loss');
    cmp(Number(/r_a = (\S+),/.exec(lossScreen.text)[1]), P.A.r, 'r_a', 1e-6);
    cmp(Number(/dL\/dr_a = σ\(r_a − r_b\) − t = (\S+),/.exec(lossScreen.text)[1]), P.p - P.t, 'dL/dr_a', 1e-6);
    // backward: dL/d(each op's output), by finite differences
    for (const s of screens.filter((x) => x.title.startsWith('backward'))) {
      const name = /dL\/d\((.+)\)$/.exec(s.title)[1], ga = P.tensorGrad(name, 'a'), gb = P.tensorGrad(name, 'b');
      s.tables[s.tables.length - 1].rows.forEach(([col, a, b], c) => { cmp(Number(a), ga[c], `dL/d ${name} a ${col}`, 2e-6); cmp(Number(b), gb[c], `dL/d ${name} b ${col}`, 2e-6); });
    }
    // the updates: θ, dL/dθ, m and v before and after, the ratio, Δθ, for every entry
    const updates = screens.filter((s) => s.title.startsWith('AdamW update of'));
    assert.equal(updates.map((s) => /of (\S+) \(/.exec(s.title)[1]).sort(), ref.blocks.map((b) => b.name).sort(), `${what}: an update screen per parameter block`);
    const t = opt.fresh ? 1 : opt.steps + 1;
    for (const s of updates) {
      const name = /of (\S+) \(/.exec(s.title)[1], g = P.grads[name], b = ref.blocks.find((x) => x.name === name);
      assert.match(s.text, new RegExp(`Adam step t = ${t}\\b`), `${what}: ${name}'s t`);
      const m0 = opt.fresh ? new Array(b.size).fill(0) : opt.blocks[name].m, v0 = opt.fresh ? new Array(b.size).fill(0) : opt.blocks[name].v;
      const want = ref.adamw(name, g, m0, v0, t, opt);
      const table = s.tables.find((x) => x.cls.includes('all')) ?? s.tables.find((x) => x.cls.includes('upd'));
      assert.is(table.rows.length, b.size, `${what}: all ${b.size} entries of ${name} viewable`);
      const gmax = Math.max(...Array.from(g, Math.abs));
      table.rows.forEach(([entry, th, gr, mb, vb, m, v, ratio, delta], j) => {
        const w = want[j], at = `${name} ${entry}`;
        cmp(Number(th), w.theta, `θ of ${at}`, 1e-9);
        cmp(Number(gr), g[j], `dL/dθ of ${at}`, 2e-6 * Math.max(1, gmax));
        cmp(Number(mb), m0[j], `m before of ${at}`, 1e-12);
        cmp(Number(vb), v0[j], `v before of ${at}`, 1e-15);
        cmp(Number(m), w.m, `m of ${at}`, 2e-7);
        cmp(Number(v), w.v, `v of ${at}`, 1e-10);
        // the ratio is g/(|g| + ε) at t = 1: steep where |g| nears ε, so only where |g| ≫ ε
        // at t = 1 the ratio is g/(|g| + ε): where |g| is near ε (or finite differences' noise), anything in [−1, 1]
        if (opt.fresh && Math.abs(g[j]) < 1e-6) {
          assert.ok(Math.abs(Number(ratio)) <= 1 && near(Number(delta), w.delta - (-opt.lr * w.ratio), opt.lr * 1.001), `${what}: Δθ of ${at}: ${delta}`);
          return;
        }
        cmp(Number(ratio), w.ratio, `m̂/(√v̂+ε) of ${at}`, 2e-3);
        cmp(Number(delta), w.delta, `Δθ of ${at}`, 1e-8 + 2e-3 * opt.lr);
      });
      if (g.every((x) => Math.abs(x) < 1e-9)) assert.match(s.text, /dL\/dθ is exactly 0 here/, `${what}: ${name}'s zero gradient explained`);
    }
    return cells;
  }

  // the page's model and the walk's pair as files, and what else the reference needs
  const exported = (page) => page.evaluate(() => {
    const T = window.teach, f = T.exportFiles();
    return { ...f, lr: T.fit.settings.lr, weightDecay: T.fit.settings.weightDecay };
  });

  Teach('trains with the library\'s own loop: the same weights as trainFusion', async () => {
    const { page, errors } = await open();
    await set(page, 'val', '0');
    await set(page, 'epochs', '4');
    await set(page, 'speed', '0');
    await page.click('#play');
    await trained(page);
    const web = await page.evaluate(() => Array.from(window.teach.model.nets[0].graph.getParameters()));
    const sim = lib.simulateEnsemble({ prompts: 300, seed: 0 });
    const train = lib.simPairs(sim, range(0, 210), 0);
    const node = lib.trainFusion(train, { arch: 'gated', ensemble: 1, hidden: [16], epochs: 4, val: 0, lr: 0.003, weightDecay: 0.1, modelDropout: 0.1, seed: 0 });
    assert.equal(web, Array.from(node.nets[0].graph.getParameters()));
    assert.equal(errors, []);
    await page.close();
  });

  Teach('after early stopping: the best epoch\'s weights with its own Adam state, a word of why, and play trains on', async () => {
    const { page, errors } = await open('?autotrain');
    const s = await page.evaluate(() => ({ status: document.getElementById('status').textContent, phase: document.getElementById('phase').textContent, best: window.teach.fit.bestEpoch, epochs: window.teach.fit.history.length, last: window.teach.steps[window.teach.steps.length - 1].html }));
    assert.ok(s.epochs < 100 && s.best < s.epochs, `the default run stops early (${s.best} best of ${s.epochs})`);
    assert.match(s.status, new RegExp(`stopped early at epoch ${s.epochs}: the validation loss has not beaten epoch ${s.best}'s`));
    assert.match(s.phase, /Press play or step one epoch to train on/);
    // the same fit in Node, run to the best epoch only: its weights, moments and steps are the page's
    const tr = lib.simPairs(lib.simulateEnsemble({ prompts: 300, seed: 0 }), range(0, 210), 0);
    const model = new FusionModel({
      models: tr.models, features: tr.features, scorer: { kind: 'nets', arch: { type: 'gated', hidden: [16], activation: 'tanh', temperature: 1 }, ensemble: 1 },
      norm: fitNormaliser(tr.models.length, tr.a, tr.b), featNorm: fitNormaliser(tr.features.length, tr.feats), seed: 0, lambda: 1,
    });
    const fit = new Fit(model.nets[0], { kind: 'pairs', n: tr.ids.length, a: tr.a, b: tr.b, featsA: tr.feats, featsB: tr.feats, target: tr.label }, { seed: 0, epochs: s.best, lr: 0.003, weightDecay: 0.1, modelDropout: 0.1, val: 0.2, loss: 'bt' });
    while (fit.epoch());
    const g = model.nets[0].graph, web = await page.evaluate(() => { const g = window.teach.model.nets[0].graph; return { p: Array.from(g.getParameters()), m: Array.from(g.getMoments().m), v: Array.from(g.getMoments().v), steps: g.steps, t: window.teach.walk.t }; });
    assert.equal(web.p, Array.from(g.getParameters()), 'the best epoch\'s weights');
    assert.equal(web.m, Array.from(g.getMoments().m), 'that epoch\'s first moments');
    assert.equal(web.v, Array.from(g.getMoments().v), 'that epoch\'s second moments');
    assert.is(web.steps, g.steps);
    assert.is(web.t, g.steps + 1, 'the walk steps from there');
    // play and step one epoch go on
    await page.click('#epoch');
    assert.is(await page.evaluate(() => window.teach.fit.history.length), s.epochs + 1, 'step one epoch trains on');
    await set(page, 'epochs', '3');
    const before = await page.evaluate(() => window.teach.said.length);
    await page.click('#play');
    await trained(page);
    const said = await page.evaluate((n) => window.teach.said.slice(n), before);
    assert.is(said[0], 'training', said.join(' | '));
    assert.is(await page.evaluate(() => window.teach.fit.history.length), s.epochs + 3, 'play trains on: 3 epochs from where it stopped');
    assert.match(await page.textContent('#status'), /done: all 3 epochs trained.*train on/);
    assert.equal(errors, []);
    await page.close();
  });

  // One trained page (?autotrain) read by the next four tests in turn, so the
  // default run trains once: accuracy and the heat maps only read it, export
  // switches to the fresh optimiser, and the walk, which changes the
  // architecture, comes last and closes it.
  Teach('accuracy: one figure per judge (the best judge\'s is its judge\'s), recounted on the held-out pairs, with Wilson intervals', async () => {
    const { page, errors } = await sharedTrained();
    const shown = await page.evaluate(() => ({
      bars: [...document.querySelectorAll('#acc svg text')].map((t) => t.textContent),
      label: document.querySelector('#acc svg').getAttribute('aria-label'),
    }));
    const files = await exported(page), ref = refNet(files.model), K = ref.file.models.length;
    // the held-out pairs, rebuilt in Node, and each scorer's accuracy counted here
    const sim = lib.simulateEnsemble({ prompts: 300, seed: 0 }), test = lib.simPairs(sim, range(210, 300), 1);
    const rec = (x, i) => Object.fromEntries(test.models.map((m, k) => [m, x[i * K + k] === x[i * K + k] ? x[i * K + k] : null]));
    const feats = (i) => Object.fromEntries(test.features.map((f, j) => [f, test.feats[i * test.features.length + j]]));
    const acc = (margin) => { let s = 0; margin.forEach((d, i) => { s += d === 0 ? 0.5 : (d > 0) === (test.label[i] === 1) ? 1 : 0; }); return s / margin.length; };
    const want = { 'fusion (gated)': acc(range(0, test.ids.length).map((i) => ref.reward(rec(test.a, i), feats(i)) - ref.reward(rec(test.b, i), feats(i)))) };
    const med = ref.file.normalisation.center;
    // a judge's margin: its z-scores, a missing score as z = 0 (the best-judge baseline's rule)
    test.models.forEach((m, k) => {
      const z = (x) => (x === x ? (x - med[k]) * ref.file.normalisation.scale[k] : 0);
      want[m] = acc(range(0, test.ids.length).map((i) => z(test.a[i * K + k]) - z(test.b[i * K + k])));
    });
    const pct = Object.fromEntries([...shown.label.matchAll(/(?:: |, )([^,:]+?) ([\d.]+)% \(([\d.]+)–([\d.]+)\)/g)].map((m) => [m[1], m.slice(2).map(Number)]));
    const n = test.ids.length, wilson = (p) => { const z = 1.96, d = 1 + z * z / n, c = (p + z * z / (2 * n)) / d, h = z / d * Math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)); return [c - h, c + h]; };
    for (const [name, p] of Object.entries(want)) {
      assert.ok(pct[name], `${name} is shown: ${shown.label}`);
      assert.ok(Math.abs(pct[name][0] - 100 * p) <= 0.051, `${name}: shown ${pct[name][0]}%, held-out recount ${(100 * p).toFixed(2)}%`);
      const [lo, hi] = wilson(pct[name][0] / 100);
      assert.ok(Math.abs(pct[name][1] - 100 * lo) <= 0.2 && Math.abs(pct[name][2] - 100 * hi) <= 0.2, `${name}'s interval ${pct[name].slice(1)} vs ${100 * lo}–${100 * hi}`);
      assert.ok(shown.bars.includes(`${pct[name][0].toFixed(1)}%`), `${name}'s bar reads its figure`);
    }
    const best = Object.keys(pct).find((k) => k.startsWith('best judge'));
    const judge = /\((.+)\)/.exec(best)[1];
    assert.equal(pct[best], pct[judge], `the best judge (${judge}) and its own row agree`);
    assert.equal(errors, []);
  });

  Teach('the heat maps: the pixels are the mean\'s formula and the net\'s reward; the dots are the net\'s rewards for those responses', async () => {
    const { page, errors } = await sharedTrained();
    for (const [x, y] of [['careful', 'keyword-counter'], ['careful', 'careful']]) {
      await set(page, 'rmx', x);
      await set(page, 'rmy', y);
      const cells = [[0, 0], [0, 47], [47, 0], [10, 30], [24, 24], [40, 5]];
      // the pixel near each cell's top-left corner (a cell is 5 × 5 px)
      const r = await page.evaluate((cells) => {
        const px = (id) => { const c = document.getElementById(id), ctx = c.getContext('2d'); return cells.map(([row, col]) => Array.from(ctx.getImageData(col * 5 + 2, row * 5 + 2, 1, 1).data.slice(0, 3))); };
        return {
          fused: px('heatFused'), mean: px('heatMean'),
          tau: Number(/τ = ([\d.]+)/.exec(document.getElementById('capMean').textContent)[1]),
          bar: document.querySelector('#colorbar svg').getAttribute('aria-label'),
          dots: [...document.querySelectorAll('#axFused circle')].map((c) => [Number(c.getAttribute('cx')), Number(c.getAttribute('cy')), c.getAttribute('fill')]),
          domain: document.getElementById('domain').value,
        };
      }, cells);
      const R = Number(/to ([\d.]+) \(red\)/.exec(r.bar)[1]), files = await exported(page), ref = refNet(files.model), N = ref.file.normalisation;
      const ix = ref.file.models.indexOf(x), iy = ref.file.models.indexOf(y), S = 48;
      const colour = (v) => diverging((v + R) / (2 * R));
      const at = (img, row, col) => img[cells.findIndex(([r, c]) => r === row && c === col)];
      for (const [row, col] of cells) {
        const zx = -3 + 6 * (col + 0.5) / S, zy = x === y ? zx : -3 + 6 * (S - 1 - row + 0.5) / S;
        const mean = r.tau * (x === y ? zx : (zx + zy) / 2);
        at(r.mean, row, col).forEach((c, i) => assert.ok(Math.abs(c - colour(mean)[i]) <= 2, `mean map ${x}/${y} at (${row}, ${col}): ${at(r.mean, row, col)} vs ${colour(mean)}`));
        const scores = { [x]: N.center[ix] + zx / N.scale[ix], [y]: N.center[iy] + zy / N.scale[iy] };
        for (const m of ref.file.models) if (!(m in scores)) scores[m] = null;
        const fused = ref.reward(scores, { [`domain:${r.domain}`]: 1 });
        at(r.fused, row, col).forEach((c, i) => assert.ok(Math.abs(c - colour(fused)[i]) <= 2, `fused map ${x}/${y} at (${row}, ${col}): ${at(r.fused, row, col)} vs ${colour(fused)} (${fused})`));
      }
      // the dots: held-out responses of the domain that both judges scored, filled with the net's reward
      const sim = lib.simulateEnsemble({ prompts: 300, seed: 0 }), held = lib.simItems(sim, range(210, 300)), K = held.models.length;
      const want = [];
      held.ids.forEach((_, i) => {
        const sx = held.scores[i * K + ix], sy = held.scores[i * K + iy];
        if (held.groups[i] !== r.domain || sx !== sx || sy !== sy) return;
        const zx = (sx - N.center[ix]) * N.scale[ix], zy = (sy - N.center[iy]) * N.scale[iy];
        if (Math.abs(zx) > 3 || Math.abs(zy) > 3) return;
        const scores = Object.fromEntries(held.models.map((m, k) => [m, held.scores[i * K + k] === held.scores[i * K + k] ? held.scores[i * K + k] : null]));
        const feats = Object.fromEntries(held.features.map((f, j) => [f, held.feats[i * held.features.length + j]]));
        want.push([48 + (zx + 3) / 6 * 240, 8 + 240 - (zy + 3) / 6 * 240, colour(ref.reward(scores, feats))]);
      });
      assert.ok(want.length > 20 && r.dots.length === want.length, `${r.dots.length} dots drawn, ${want.length} responses`);
      r.dots.forEach(([cx, cy, fill], j) => {
        assert.ok(Math.abs(cx - want[j][0]) < 0.1 && Math.abs(cy - want[j][1]) < 0.1, `dot ${j} at ${cx}, ${cy} vs ${want[j]}`);
        fill.match(/\d+/g).map(Number).forEach((c, i) => assert.ok(Math.abs(c - want[j][2][i]) <= 2, `dot ${j}'s fill ${fill} vs ${want[j][2]}`));
      });
    }
    // the hidden units: one map each, its incoming weights on focus
    const units = await page.evaluate(() => ({ n: document.querySelectorAll('#units .unit').length, cap: document.getElementById('unitsCap').textContent }));
    assert.is(units.n, 16);
    await page.focus('#unit2');
    const info = await page.textContent('#unitInfo');
    const files = await exported(page), ref = refNet(files.model), W = ref.blocks.find((b) => b.name === 'hidden0.W');
    const w0 = ref.theta[W.at + 0 * W.cols + 2]; // z · careful → unit 3
    const shownW = Number(/z · careful ([-\d.e]+)/.exec(info)[1]);
    assert.ok(near(shownW, w0, 1e-9), `unit 3's weight from z · careful: ${shownW} vs ${w0}`);
    assert.equal(errors, []);
  });

  Teach('export model and pair: the command shown, run on the files, prints the fresh-optimiser screen\'s numbers', async () => {
    const { page, errors } = await sharedTrained();
    await page.check('input[name="opt"][value="fresh"]');
    await page.click('#export');
    const shown = await page.evaluate(() => ({ cmd: document.getElementById('cmd').textContent, model: document.getElementById('dlModel').getAttribute('download'), pair: document.getElementById('dlPair').getAttribute('download'), href: document.getElementById('dlModel').href }));
    assert.match(shown.href, /^blob:/);
    const files = await exported(page);
    writeFileSync(join(dir, shown.model), files.model);
    writeFileSync(join(dir, shown.pair), files.pair);
    const args = /^npx rewardfuse (.*)$/.exec(shown.cmd)[1].split(' ');
    assert.equal(args, ['explain', shown.model, shown.pair, '--trace']);
    const cli = execFileSync(process.execPath, [join(process.cwd(), 'dist/cli/main.js'), ...args], { encoding: 'utf8', cwd: dir });
    const screens = await readWalk(page);
    const loss = Number(/= (\S+), t = /.exec(screens.find((s) => s.title.startsWith('loss')).title)[1]);
    assert.ok(Math.abs(loss - Number(/loss .* = ([\d.]+) with t/.exec(cli)[1])) <= 6e-4 * loss, `loss: page ${loss}, explain --trace ${cli}`);
    const rows = Object.fromEntries([...cli.matchAll(/^ {4}(\S+) +\d+ values +\|dL\/dθ\| (\S+) +max \|Δθ\| (\S+)/gm)].map((m) => [m[1], [Number(m[2]), Number(m[3])]]));
    const updates = screens.filter((s) => s.title.startsWith('AdamW update of'));
    assert.is(updates.length, Object.keys(rows).length);
    for (const s of updates) {
      const name = /of (\S+) \(/.exec(s.title)[1], [gn, dmax] = rows[name];
      assert.ok(near(Number(/‖dL\/dθ‖ = (\S+),/.exec(s.text)[1]), gn, 1e-9), `${name}: ‖dL/dθ‖ ${s.text.slice(0, 400)} vs ${gn}`);
      assert.ok(near(Number(/largest \|Δθ\| = (\S+)/.exec(s.text)[1]), dmax, 1e-9), `${name}: largest |Δθ| vs ${dmax}`);
    }
    assert.equal(errors, []);
  });

  Teach('the walk, as shown, is the float64 computation from the exported model: gated, mlp and linear; the training\'s and a fresh optimiser', async () => {
    const { page, errors } = await sharedTrained();
    for (const arch of ['gated', 'mlp', 'linear']) {
      if (arch !== 'gated') {
        await set(page, 'arch', arch);
        for (let i = 0; i < 3; i++) await page.click('#epoch');
      }
      for (const fresh of [false, true]) {
        await page.check(`input[name="opt"][value="${fresh ? 'fresh' : 'training'}"]`);
        const screens = await readWalk(page), files = await exported(page), opt = { ...(await moments(page)), fresh, lr: files.lr, weightDecay: files.weightDecay };
        for (const s of screens) assert.not.match(s.text, /undefined|NaN|\b0\.000\b|−0\.000/, `${arch}: ${s.title}`);
        const cells = checkWalk(screens, refNet(files.model), JSON.parse(files.pair), opt);
        assert.ok(cells > 150, `${arch}: ${cells} cells checked`);
      }
    }
    assert.equal(errors, []);
    await page.close();
    shared = null;
  });

  Teach('inputs are checked; a new architecture resets the panels; a validation curve only with a split; the address holds the settings', async () => {
    const { page, errors } = await open();
    for (const bad of ['1000', '0', '-5', '', '2.7']) {
      await set(page, 'epochs', bad);
      assert.is(await page.getAttribute('#epochs', 'aria-invalid'), 'true', `epochs ${JSON.stringify(bad)}`);
      assert.ok(await page.isDisabled('#play'), `play with epochs ${JSON.stringify(bad)}`);
      assert.match(await page.textContent('#inputErr'), /epochs must be/);
    }
    await set(page, 'epochs', '3');
    await set(page, 'speed', '0');
    await page.click('#play');
    await trained(page);
    assert.is(await page.evaluate(() => window.teach.fit.history.length), 3);
    assert.match(await page.textContent('#curve'), /validation/);
    await set(page, 'arch', 'mlp');
    const s = await page.evaluate(() => ({ arch: window.teach.model.arch.type, state: document.body.dataset.state, titles: window.teach.steps.map((x) => x.title).join('|'), cap: document.getElementById('capFused').textContent }));
    assert.is(s.arch, 'mlp');
    assert.is(s.state, 'ready');
    assert.match(s.titles, /linear\+relu/);
    assert.match(s.cap, /fusion \(mlp\)/);
    await set(page, 'val', '0');
    await page.click('#epoch');
    assert.not.match(await page.textContent('#curve'), /validation/);
    await set(page, 'domain', 'code');
    await page.check('input[name="opt"][value="fresh"]');
    await set(page, 'pair', '7');
    const q = new URLSearchParams(await page.evaluate(() => location.search));
    assert.equal([q.get('arch'), q.get('val'), q.get('epochs'), q.get('domain'), q.get('opt'), q.get('pair')], ['mlp', '0', '3', 'code', 'fresh', '7']);
    // that address, opened afresh, shows the same state (a bad value in it is named and left at its default)
    const again = await open(`?${q}&lr=abc`);
    const t = await again.page.evaluate(() => ({ arch: window.teach.model.arch.type, nVal: window.teach.fit.nVal, domain: document.getElementById('domain').value, pair: window.teach.walk.i + 1, t: window.teach.walk.t, lr: window.teach.fit.settings.lr, note: document.getElementById('pending').textContent }));
    assert.equal(t, { arch: 'mlp', nVal: 0, domain: 'code', pair: 7, t: 1, lr: 0.003, note: 'ignored from the address: lr=abc' });
    assert.equal(again.errors, []);
    await again.page.close();
    assert.equal(errors, []);
    await page.close();
  });

  Teach('editing a judge moves the weights: code-expert loses its trust in code when it is no expert', async () => {
    const { page, errors } = await open('?autotrain');
    const before = await page.evaluate(() => window.teach.weights['code-expert'].code);
    await set(page, 'j5-expert', '-1');
    await trained(page);
    const after = await page.evaluate(() => window.teach.weights['code-expert'].code);
    assert.ok(before > 0.4 && after < before / 2, `code-expert's weight on code: ${before} → ${after}`);
    assert.equal(errors, []);
    await page.close();
  });

  Teach('keyboard, live regions and axe-core at 1280 and 400 px, before and after training; nothing scrolls sideways', async () => {
    const axe = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
    const { page, errors } = await open('', { width: 1280, height: 800 });
    await page.addScriptTag({ path: axe });
    // the page with its export shown, and an update screen with its full table open and a hidden unit focused
    const audit = async (when) => {
      for (const width of [1280, 400]) {
        await page.setViewportSize({ width, height: 800 });
        await page.evaluate(() => {
          const T = window.teach;
          T.renderLive(); // as the resize does, after a pause
          document.getElementById('export').click();
          T.show(T.steps.findIndex((s) => s.title.startsWith('AdamW update of hidden0.W')));
          document.querySelector('#step details').open = true;
          document.getElementById('unit0').focus();
        });
        const bad = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations
          .filter((v) => ['critical', 'serious', 'moderate'].includes(v.impact)).map((v) => `${v.impact} ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join('; ')}`));
        assert.equal(bad, [], `axe at ${width} px ${when}`);
      }
      // at 400 px, no screen of the walk scrolls the page sideways
      for (const sc of await readWalk(page)) assert.not.ok(sc.wide, `400 px, ${when}: the page scrolls sideways at ${sc.title}`);
    };
    await audit('before training');
    await set(page, 'speed', '0');
    await page.click('#play');
    await trained(page);
    await audit('after training');
    // the walk's keys work with the focus on the walk, and only there
    await page.evaluate(() => window.teach.show(0));
    await page.focus('#play');
    await page.keyboard.press('ArrowRight');
    assert.match(await page.textContent('#where'), /^step 1 of/, '→ on play does not move the walk');
    await page.focus('#walk');
    await page.keyboard.press('ArrowRight');
    assert.match(await page.textContent('#where'), /^step 2 of/);
    await page.keyboard.press('End');
    const n = await page.evaluate(() => window.teach.steps.length);
    assert.match(await page.textContent('#where'), new RegExp(`^step ${n} of ${n}`));
    await page.keyboard.press('Home');
    assert.match(await page.textContent('#where'), /^step 1 of/);
    await page.keyboard.press('ArrowLeft');
    assert.match(await page.textContent('#where'), /^step 1 of/);
    // ArrowDown on the architecture keeps the trained net until Enter
    const restarts = () => page.evaluate(() => window.teach.restarts);
    const r0 = await restarts();
    await page.focus('#arch');
    await page.keyboard.press('ArrowDown');
    assert.is(await restarts(), r0, 'ArrowDown on the architecture throws nothing away');
    assert.is(await page.evaluate(() => window.teach.model.arch.type), 'gated');
    assert.match(await page.textContent('#pending'), /press Enter \(or leave the list\) to start a new mlp net/);
    await page.keyboard.press('ArrowUp');
    assert.match(await page.textContent('#pending'), /gated: the net you have; nothing changes/);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    assert.is(await page.evaluate(() => window.teach.model.arch.type), 'mlp');
    assert.is(await restarts(), r0 + 1, 'Enter: one new net');
    // arrow presses on a judge's slider: one retraining, on Enter
    await set(page, 'speed', '0');
    await set(page, 'epochs', '15');
    const r1 = await restarts();
    await page.focus('#j0-noise');
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
    assert.is(await restarts(), r1, 'arrow presses on a slider do not restart training');
    assert.is(await page.textContent('#j0-noise + output'), '1.0');
    // live regions: phases, not epochs
    const before = await page.evaluate(() => window.teach.said.length);
    await page.keyboard.press('Enter');
    assert.is(await restarts(), r1 + 1, 'Enter applies the edit once');
    await trained(page);
    const said = await page.evaluate((n) => window.teach.said.slice(n), before);
    const epochs = await page.evaluate(() => window.teach.fit.history.length - window.teach.epochBase);
    assert.ok(epochs > 10 && said.length <= 3, `${said.length} announcements over ${epochs} epochs: ${said.join(' | ')}`);
    assert.is(await page.getAttribute('#status', 'aria-live'), null, 'the per-epoch status line is not live');
    assert.equal(errors, []);
    await page.close();
  });

  Teach('screenshots at desktop and phone widths', async () => {
    const out = process.env.TEACH_SHOTS ?? dir;
    for (const [name, viewport] of [['teach.png', { width: 1100, height: 900 }], ['teach-phone.png', { width: 400, height: 800 }]]) {
      const { page, errors } = await open('?autotrain', viewport);
      await set(page, 'speed', '2'); // the default pace, as a learner finds it
      await page.evaluate(() => window.teach.show(window.teach.steps.findIndex((s) => s.title.startsWith('AdamW'))));
      const file = join(out, name);
      await page.screenshot({ path: file, fullPage: true });
      assert.ok(statSync(file).size > 50000, `${name} is not a blank page`);
      assert.equal(errors, []);
      await page.close();
    }
  });
}

Teach.run();
