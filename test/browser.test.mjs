// In a real browser (Debian's chromium through playwright-core): the fixed
// run gives Node's bits; model files cross between Node and the page both
// ways and score bit-identically; the teaching page trains and draws.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as lib from '../dist/index.js';
import { fixedRun, scoreBits, shiftRun, ARCHS } from './fixed-run.mjs';
import { serve } from '../scripts/serve.mjs';
import { haveChromium, launchChromium } from './chromium.mjs';

const Browser = suite('browser (chromium)');

// equal structure, equal strings, numbers within 1e-9 (relative above 1)
function close(a, b, at) {
  if (typeof a === 'number' && typeof b === 'number') return assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b)), `${at}: ${a} vs ${b}`);
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return assert.is(a, b, at);
  assert.equal(Object.keys(a), Object.keys(b), `${at}: keys`);
  for (const k of Object.keys(a)) close(a[k], b[k], `${at}.${k}`);
}

if (haveChromium()) {
  let browser, server, url;
  const node = fixedRun(lib);

  Browser.before(async () => {
    ({ server, url } = await serve());
    browser = await launchChromium();
  });

  Browser.after(async () => {
    await browser?.close();
    server?.close();
  });

  const open = async (path) => {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url + path);
    return { page, errors };
  };

  Browser('the fixed run trains and scores to the same bits as in Node', async () => {
    const { page, errors } = await open('test/browser/bits.html');
    await page.waitForFunction(() => window.result || window.failure, null, { timeout: 60000 });
    const failure = await page.evaluate(() => window.failure);
    assert.not.ok(failure, failure);
    const web = await page.evaluate(() => window.result);
    for (const arch of ARCHS) {
      assert.is(web[arch].weights, node[arch].weights, `${arch}: trained weights`);
      assert.is(web[arch].scores, node[arch].scores, `${arch}: scores`);
      // the whole model file; the rules eval compares with (train.baselines) and the training metrics are
      // fitted in JS with Math.exp and Math.log, whose last bits engines may round apart: those to 1e-9
      const [w, n] = [web[arch].model, node[arch].model].map((t) => JSON.parse(t));
      for (const k of ['baselines', 'metrics']) {
        close(w.train[k], n.train[k], `${arch}: train.${k}`);
        delete w.train[k];
        delete n.train[k];
      }
      assert.equal(w, n, `${arch}: the whole model file`);
    }
    // a model file made in Node scores the same in the page, and the page's in Node
    for (const arch of ARCHS) {
      assert.is(await page.evaluate((t) => window.scoreBits(t), node[arch].model), node[arch].scores);
      assert.is(scoreBits(lib, web[arch].model), web[arch].scores);
    }
    // the shift check: the same reference, the same AUC and the same decision
    const shift = shiftRun(lib), webShift = await page.evaluate(() => window.shift);
    // (the rules' fitted weights use Math.exp and Math.log, whose last bits engines may round apart: the reference does not)
    assert.equal(JSON.parse(webShift.model).shift, JSON.parse(shift.model).shift, 'the shift reference in the model file');
    assert.is(webShift.inDomain, shift.inDomain, 'the in-domain check');
    assert.is(webShift.shifted, shift.shifted, 'the shifted check');
    assert.ok(JSON.parse(shift.shifted).auc > JSON.parse(shift.inDomain).auc);
    assert.equal(errors, []);
    await page.close();
  });

  Browser('the teaching page trains live and shows the curve, the weights, the heat maps and the step-through', async () => {
    const { page, errors } = await open('examples/teach/?autotrain');
    await page.setViewportSize({ width: 1000, height: 2200 });
    await page.waitForSelector('body[data-state="trained"], body[data-state="error"]', { timeout: 60000 });
    assert.is(await page.getAttribute('body', 'data-state'), 'trained', await page.textContent('#status'));
    // the loss curve: a path through one point an epoch
    const points = await page.$$eval('#curve path', (ps) => Math.max(...ps.map((p) => (p.getAttribute('d').match(/[ML]/g) ?? []).length)));
    assert.ok(points > 10, `curve has ${points} points`);
    // the weights: one bar per model and domain, not all zero
    const bars = await page.$$eval('#weights rect[fill]:not([fill="#fafafa"])', (rs) => rs.map((r) => Number(r.getAttribute('height'))));
    assert.ok(bars.length >= 18 && bars.some((h) => h > 5), `weights: ${bars.length} bars`);
    // the heat maps are not flat
    const spread = await page.evaluate(() => ['heatFused', 'heatMean'].map((id) => {
      const d = document.getElementById(id).getContext('2d').getImageData(0, 0, 240, 240).data;
      let lo = 255, hi = 0;
      for (let i = 0; i < d.length; i += 4) { lo = Math.min(lo, d[i]); hi = Math.max(hi, d[i]); }
      return hi - lo;
    }));
    assert.ok(spread.every((s) => s > 100), `heat map contrast ${spread}`);
    // step through: forward, loss, backward, update
    const titles = await page.evaluate(() => window.teach.steps.map((s) => s.title));
    assert.ok(titles.some((t) => t.startsWith('forward: softmax')), titles.join(' | '));
    assert.ok(titles.some((t) => t.startsWith('loss:')) && titles.some((t) => t.startsWith('backward:')) && titles.some((t) => t.startsWith('AdamW update')));
    await page.click('#next');
    assert.match(await page.textContent('#where'), /^step 2 of \d+/);
    const shot = join(mkdtempSync(join(tmpdir(), 'rewardfuse-shot-')), 'teach.png');
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(statSync(shot).size > 50000, 'the screenshot is not a blank page');
    assert.equal(errors, []);
    await page.close();
  });
}

Browser.run();
