// The teaching page in Chromium (playwright-core): its walk is the real
// training step (the right rows, explain --trace's loss and gradients, the
// update the step makes), its inputs are checked, its heat maps read, and it
// fits a 400 px screen. TEACH_SHOTS=docs writes the README's screenshots.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as lib from '../dist/index.js';
import { traceNet } from '../dist/models/trace.js';
import { serve } from '../scripts/serve.mjs';
import { haveChromium, launchChromium } from './chromium.mjs';

const Teach = suite('teaching page (chromium)');
const TOL = (ref) => (Math.abs(ref) + 1) * 1e-6;

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
  const trained = (page) => page.waitForSelector('body[data-state="trained"], body[data-state="error"]', { timeout: 30000 });
  const text = (page) => page.evaluate(() => document.body.innerText);
  // every step of the walk: its text, and whether the page scrolls sideways
  const walkAll = (page) => page.evaluate(() => {
    const out = [];
    window.teach.show(0);
    for (let i = 0; i < window.teach.steps.length; i++) {
      out.push({ text: document.body.innerText, wide: document.documentElement.scrollWidth > window.innerWidth });
      document.getElementById('next').click();
    }
    return out;
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
    const train = lib.simPairs(sim, Array.from({ length: 210 }, (_, i) => i), 0);
    const node = lib.trainFusion(train, { arch: 'gated', ensemble: 1, hidden: [16], epochs: 4, val: 0, lr: 0.003, weightDecay: 0.1, modelDropout: 0.1, seed: 0 });
    assert.equal(web, Array.from(node.nets[0].graph.getParameters()));
    assert.equal(errors, []);
    await page.close();
  });

  Teach('the walk: one row a side, b is pair.b, and nothing reads "undefined", NaN or a rounded-away 0.000', async () => {
    const { page, errors } = await open('?autotrain');
    for (const arch of ['gated', 'mlp', 'linear']) {
      if (arch !== 'gated') {
        await set(page, 'arch', arch);
        await page.click('#epoch');
      }
      const rows = await page.evaluate(() => {
        const T = window.teach, tr = T.data.train, K = tr.models.length, i = T.walk.i, norm = T.model.norm;
        const z = (x, k) => (x === x ? Math.fround(Math.fround(x - norm.center[k]) * norm.scale[k]) : 0);
        const input = T.steps.find((s) => s.title.startsWith('input')).sides;
        return {
          K, i, label: tr.label[i], id: tr.ids[i],
          a: Array.from(input.a.subarray(0, 2 * K)), b: Array.from(input.b.subarray(0, 2 * K)),
          wantA: [...Array.from({ length: K }, (_, k) => z(tr.a[i * K + k], k)), ...Array.from({ length: K }, (_, k) => (tr.a[i * K + k] === tr.a[i * K + k] ? 1 : 0))],
          wantB: [...Array.from({ length: K }, (_, k) => z(tr.b[i * K + k], k)), ...Array.from({ length: K }, (_, k) => (tr.b[i * K + k] === tr.b[i * K + k] ? 1 : 0))],
          margin: T.model.scorePairs(tr).margin[i],
        };
      });
      rows.a.forEach((v, j) => assert.ok(Math.abs(v - rows.wantA[j]) <= TOL(v), `${arch}: a column ${j}: ${v} vs ${rows.wantA[j]}`));
      rows.b.forEach((v, j) => assert.ok(Math.abs(v - rows.wantB[j]) <= TOL(v), `${arch}: b column ${j}: ${v} vs ${rows.wantB[j]}`));
      // the default pair is one the model still gets wrong
      assert.ok((rows.margin > 0) !== (rows.label === 1), `${arch}: pair ${rows.id} (margin ${rows.margin}, label ${rows.label}) is not one it gets wrong`);
      for (const s of await walkAll(page)) {
        assert.not.match(s.text, /undefined|NaN|\b0\.000\b|−0\.000/, `${arch}: ${s.text.slice(0, 200)}`);
      }
      // the input table names every column: each judge's z and mask, each feature
      await page.evaluate(() => window.teach.show(1));
      const heads = await page.$$eval('#step tbody th', (ths) => ths.map((t) => t.textContent));
      assert.ok(heads.includes('z · careful') && heads.includes('mask · code-expert') && heads.includes('feature · domain:chat'), heads.join(', '));
    }
    assert.not.match(await text(page), /undefined/);
    assert.equal(errors, []);
    await page.close();
  });

  Teach('a saved model and pair: the page\'s loss and gradients are explain --trace\'s', async () => {
    const sim = lib.simulateEnsemble({ prompts: 40, seed: 3 });
    const pairs = lib.simPairs(sim, Array.from({ length: 40 }, (_, i) => i), 3);
    const model = lib.trainFusion(pairs, { arch: 'gated', ensemble: 1, epochs: 5, lr: 0.01, weightDecay: 0.05, seed: 3 });
    const file = join(dir, 'model.json'), pairFile = join(dir, 'pair.json');
    const modelText = lib.saveModel(model);
    writeFileSync(file, modelText);
    const K = pairs.models.length, i = 7;
    const side = (x) => Object.fromEntries(pairs.models.map((m, k) => [m, x[i * K + k] === x[i * K + k] ? x[i * K + k] : null]));
    const features = Object.fromEntries(pairs.features.map((f, j) => [f, pairs.feats[i * pairs.features.length + j]]));
    const record = { a: side(pairs.a), b: side(pairs.b), features, label: pairs.label[i] === 1 ? 'a' : 'b' };
    writeFileSync(pairFile, JSON.stringify(record));
    const cli = execFileSync(process.execPath, ['dist/cli/main.js', 'explain', file, pairFile, '--trace'], { encoding: 'utf8' });
    const cliLoss = Number(/loss .* = ([\d.]+) with t/.exec(cli)[1]);
    const cliNorms = Object.fromEntries([...cli.matchAll(/^ {4}(\S+) +\d+ values +\|dL\/dθ\| (\S+)/gm)].map((m) => [m[1], Number(m[2])]));
    // what explain --trace computes, to full precision
    const one = lib.pairsFromRecords([{ id: 'p', ...record }]);
    const loaded = lib.loadModel(modelText);
    const A = loaded.toModelColumns(one.models, one.features, one.a, one.feats, 1), B = loaded.toModelColumns(one.models, one.features, one.b, one.feats, 1);
    const ref = traceNet(loaded, new Float32Array([...A.x, ...B.x]), new Float32Array([...A.f, ...B.f]), 2, one.label[0], { lr: 0.01, weightDecay: 0.05 });

    const { page, errors } = await open();
    const web = await page.evaluate(async ([text, record]) => {
      const rf = await import('/dist/index.js');
      const T = window.teach, m = T.loadModel(text), pairs = rf.pairsFromRecords([{ id: 'p', ...record }]);
      const w = T.walkData(m, pairs, 0, { lr: m.train.options.lr, weightDecay: m.train.options.weightDecay });
      return { loss: w.loss, ops: w.ops.map((o) => ({ out: o.out, grad: o.grad && Array.from(o.grad), values: Array.from(o.values) })), params: w.params.map((p) => ({ name: p.name, grad: Array.from(p.grad) })) };
    }, [modelText, record]);
    assert.ok(Math.abs(web.loss - cliLoss) <= 1e-6, `loss: page ${web.loss}, explain --trace ${cliLoss}`);
    assert.ok(Math.abs(web.loss - ref.loss) <= TOL(ref.loss));
    ref.steps.forEach((s, j) => {
      assert.is(web.ops[j].out, s.out);
      s.values.forEach((v, c) => assert.ok(Math.abs(web.ops[j].values[c] - v) <= TOL(v), `${s.out} value ${c}`));
      s.grad?.forEach((v, c) => assert.ok(Math.abs(web.ops[j].grad[c] - v) <= TOL(v), `dL/d(${s.out})[${c}]: ${web.ops[j].grad[c]} vs ${v}`));
    });
    ref.params.forEach((p, j) => {
      assert.is(web.params[j].name, p.name);
      p.grad.forEach((v, c) => assert.ok(Math.abs(web.params[j].grad[c] - v) <= TOL(v), `dL/d${p.name}[${c}]`));
      const norm = Math.hypot(...web.params[j].grad);
      assert.ok(Math.abs(norm - cliNorms[p.name]) <= 1e-3 * cliNorms[p.name] + 1e-12, `|dL/d${p.name}|: page ${norm}, explain --trace ${cliNorms[p.name]}`);
    });
    assert.equal(errors, []);
    await page.close();
  });

  Teach('the displayed update is the change the real trainStep makes, from the training\'s optimiser state', async () => {
    const { page, errors } = await open('?autotrain');
    const r = await page.evaluate(async () => {
      const { trainStep } = await import('/dist/train/fit.js');
      const { FIT_DEFAULTS } = await import('/dist/train/options.js');
      const T = window.teach, net = T.model.nets[0], g = net.graph, w = T.walk, tr = T.data.train, i = w.i, K = tr.models.length, F = tr.features.length;
      const steps = g.steps, before = g.getParameters();
      // the walk was undone: parameters as they were, and the displayed numbers
      const shown = [];
      T.steps.forEach((s, j) => { if (s.param) { T.show(j); shown.push({ name: s.param, deltas: [...document.querySelectorAll('#step td[data-delta]')].map((td) => [td.parentElement.firstElementChild.textContent, Number(td.dataset.delta), td.textContent]) }); } });
      // now the real step, by hand, on the live net
      const rows = net.loadRows([0], tr.a.slice(i * K, i * K + K), tr.b.slice(i * K, i * K + K), tr.feats.slice(i * F, i * F + F), tr.feats.slice(i * F, i * F + F), new Float32Array([tr.label[i]]));
      const o = { ...FIT_DEFAULTS, ...T.fit.settings, modelDropout: 0 };
      trainStep(net, rows, 0, 1, o);
      const after = g.getParameters();
      const at = Object.fromEntries(g.params.map((p) => [p.name, (p.ptr - g.paramPtr) >> 2]));
      const real = Object.fromEntries(g.params.map((p) => [p.name, Array.from({ length: p.size }, (_, j) => after[at[p.name] + j] - before[at[p.name] + j])]));
      const full = Object.fromEntries(w.params.map((p) => [p.name, Array.from(p.after, (v, j) => v - p.before[j])]));
      return { shown, real, full, t: w.t, steps, lr: o.lr, wd: o.weightDecay };
    });
    assert.is(r.t, r.steps + 1, 'the walk continues the training\'s optimiser: Adam step t = steps taken + 1');
    assert.is(r.lr, 0.003);
    assert.is(r.wd, 0.1);
    for (const [name, d] of Object.entries(r.real)) assert.equal(r.full[name], d, `${name}: the walk's whole update is the real step's`);
    let notLr = 0;
    for (const { name, deltas } of r.shown) {
      assert.ok(deltas.length > 0, name);
      const real = r.real[name];
      for (const [, delta, shownText] of deltas) {
        assert.ok(real.some((d) => d === delta), `${name}: a displayed Δθ ${delta} is no entry's real change`);
        assert.ok(Math.abs(Number(shownText) - delta) <= 1e-3 * Math.abs(delta), `${name}: ${shownText} vs ${delta}`);
        if (Math.abs(Math.abs(delta) - 0.003) > 1e-4) notLr++;
      }
    }
    assert.ok(notLr > 0, 'after training, Adam\'s moves are no longer all ±lr');
    assert.equal(errors, []);
    await page.close();
  });

  Teach('the heat maps: one colour scale, and with x = y both vary along x only', async () => {
    const { page, errors } = await open('?autotrain');
    await set(page, 'rmy', 'careful');
    const r = await page.evaluate(() => ['heatFused', 'heatMean'].map((id) => {
      const c = document.getElementById(id), d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data, W = c.width;
      let sameDown = true;
      for (let y = 1; y < c.height; y++) for (let x = 0; x < W; x++) if (d[4 * (y * W + x)] !== d[4 * x]) sameDown = false;
      return { sameDown, left: d[0], right: d[4 * (W - 1)] };
    }));
    for (const m of r) {
      assert.ok(m.sameDown, 'constant along y');
      assert.ok(m.right > m.left + 50, `redder to the right: ${m.left} → ${m.right}`);
    }
    const heat = await page.evaluate(() => ({ same: window.teach.heat.same, R: window.teach.heat.R, cap: document.getElementById('capFused').textContent, bar: document.getElementById('colorbar').innerHTML, axes: document.getElementById('axFused').textContent }));
    assert.ok(heat.same);
    assert.match(heat.cap, /the same judge/);
    assert.match(heat.bar, /aria-label="colour scale/);
    assert.match(heat.axes, /careful \(z-score\)/);
    assert.ok(await page.$$eval('#axFused circle', (c) => c.length) > 20, 'held-out points are drawn');
    assert.equal(errors, []);
    await page.close();
  });

  Teach('inputs are checked; a new architecture resets the panels; a validation curve only with a split', async () => {
    const { page, errors } = await open();
    for (const bad of ['1000', '0', '-5', '', '2.7']) {
      await set(page, 'epochs', bad);
      assert.is(await page.getAttribute('#epochs', 'aria-invalid'), 'true', `epochs ${JSON.stringify(bad)}`);
      assert.ok(await page.isDisabled('#play'), `play with epochs ${JSON.stringify(bad)}`);
      assert.match(await page.textContent('#inputErr'), /epochs must be/);
    }
    for (const [id, bad] of [['lr', '0'], ['wd', '-1'], ['dropout', '1'], ['width', '1.5'], ['val', '0.9']]) {
      await set(page, id, bad);
      assert.is(await page.getAttribute(`#${id}`, 'aria-invalid'), 'true', `${id} ${bad}`);
    }
    await page.reload();
    await page.waitForSelector('body[data-state="ready"]');
    await set(page, 'epochs', '3');
    await set(page, 'speed', '0');
    await page.click('#play');
    await trained(page);
    assert.is(await page.evaluate(() => window.teach.fit.history.length), 3);
    assert.match(await page.textContent('#curve'), /validation/);
    // mid-run, a new architecture: the selector and the panels agree
    await set(page, 'epochs', '400');
    await set(page, 'speed', '2');
    await page.click('#play');
    await set(page, 'arch', 'mlp');
    const s = await page.evaluate(() => ({ arch: window.teach.model.arch.type, state: document.body.dataset.state, titles: window.teach.steps.map((x) => x.title).join('|'), cap: document.getElementById('capFused').textContent }));
    assert.is(s.arch, 'mlp');
    assert.is(s.state, 'ready');
    assert.match(s.titles, /linear\+relu/);
    assert.match(s.cap, /fusion \(mlp\)/);
    await set(page, 'val', '0');
    await page.click('#epoch');
    assert.not.match(await page.textContent('#curve'), /validation/);
    assert.not.match(await text(page), /undefined/);
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

  Teach('at 400 px: no sideways scroll on any step; live regions, text alternatives, arrow keys', async () => {
    const { page, errors } = await open('?autotrain', { width: 400, height: 800 });
    assert.ok(await page.$('meta[name="viewport"][content*="width=device-width"]'));
    for (const arch of ['gated', 'mlp']) {
      if (arch !== 'gated') { await set(page, 'arch', arch); await page.click('#epoch'); }
      for (const s of await walkAll(page)) assert.not.ok(s.wide, `${arch}: the page scrolls sideways at: ${s.text.slice(-300)}`);
    }
    assert.is(await page.getAttribute('#status', 'aria-live'), 'polite');
    assert.is(await page.getAttribute('#where', 'aria-live'), 'polite');
    for (const id of ['heatFused', 'heatMean']) assert.match(await page.getAttribute(`#${id}`, 'aria-label'), /heat map of the/);
    await page.evaluate(() => window.teach.show(0));
    await page.focus('#walk');
    await page.keyboard.press('ArrowRight');
    assert.match(await page.textContent('#where'), /^step 2 of/);
    await page.keyboard.press('ArrowLeft');
    assert.match(await page.textContent('#where'), /^step 1 of/);
    assert.equal(errors, []);
    await page.close();
  });

  Teach('demo --model saves the default fusion model, and explain --trace follows it', () => {
    const model = join(dir, 'demo-model.json'), report = join(dir, 'demo.html');
    const out = execFileSync(process.execPath, ['dist/cli/main.js', 'demo', '--model', model, '--report', report], { encoding: 'utf8' });
    assert.match(out, new RegExp(`wrote ${model.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(the default fusion model: `));
    const loaded = lib.loadModel(readFileSync(model, 'utf8'));
    const pair = JSON.stringify({ a: { careful: 1.2, 'verbose-fan': 0.3 }, b: { careful: 0.1, 'verbose-fan': 1.5 }, label: 'a' });
    const trace = execFileSync(process.execPath, ['dist/cli/main.js', 'explain', model, pair, ...(loaded.nets.length ? ['--trace'] : [])], { encoding: 'utf8' });
    assert.match(trace, /P\(a ≻ b\)/);
    if (loaded.nets.length) assert.match(trace, /loss .* = [\d.]+ with t = 1/);
  });

  Teach('screenshots at desktop and phone widths', async () => {
    const out = process.env.TEACH_SHOTS ?? dir;
    for (const [name, viewport] of [['teach.png', { width: 1100, height: 900 }], ['teach-phone.png', { width: 400, height: 800 }]]) {
      const { page, errors } = await open('?autotrain', viewport);
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
