// The net over two judges' axes (the other judges give no score): the fused
// reward next to the mean's, on one colour scale, with held-out responses as
// dots filled with the reward the net gives them; and each hidden unit's
// output over the same plane, as the TensorFlow Playground draws its neurons.
import { heatFrame, colorBar, diverging, esc } from '../../dist/teach.js';
import { SIM_DOMAINS } from '../../dist/sim.js';
import { num } from './walk.js';

const S = 48, U = 24, ZMAX = 3;

const niceCeil = (x) => { const p = 10 ** Math.floor(Math.log10(x || 1)); return [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].map((k) => k * p).find((v) => v >= x); };

/** Rows over the plane: n × n cells, x judge and y judge scored (raw scores), the domain's feature on. */
function plane(T, $, n) {
  const m = T.model, K = m.models.length, F = m.features.length;
  const ix = m.models.indexOf($('rmx').value), iy = m.models.indexOf($('rmy').value), same = ix === iy;
  const d = SIM_DOMAINS.indexOf($('domain').value), fi = m.features.indexOf(`domain:${SIM_DOMAINS[d]}`);
  const z = (cell) => -ZMAX + (2 * ZMAX * (cell + 0.5)) / n; // cell centres
  const raw = (k, zz) => m.norm.center[k] + zz / m.norm.scale[k];
  const scores = new Float32Array(n * n * K).fill(NaN), feats = new Float32Array(n * n * F), zs = [];
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) {
    const i = r * n + c, zx = z(c), zy = z(n - 1 - r);
    scores[i * K + ix] = raw(ix, zx);
    if (!same) scores[i * K + iy] = raw(iy, zy);
    if (fi >= 0) feats[i * F + fi] = 1;
    zs.push([zx, same ? zx : zy]);
  }
  return { ix, iy, same, d, scores, feats, zs, rows: n * n };
}

function paint(canvas, v, R, n) {
  const ctx = canvas.getContext('2d'), cell = canvas.width / n, img = ctx.createImageData(canvas.width, canvas.height);
  for (let y = 0; y < canvas.height; y++) for (let x = 0; x < canvas.width; x++) {
    const [r, g, b] = diverging((v[Math.floor(y / cell) * n + Math.floor(x / cell)] + R) / (2 * R));
    const o = 4 * (y * canvas.width + x);
    img.data[o] = r; img.data[o + 1] = g; img.data[o + 2] = b; img.data[o + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

/**
 * The fused reward and the mean over two judges' z-scores, in the same units
 * (log-odds: the mean times its fitted temperature), on one colour scale.
 * When x and y name the same judge, both vary along x only.
 */
export function heatmaps(T, $) {
  const m = T.model, K = m.models.length, P = plane(T, $, S), { ix, iy, same, d } = P;
  const tau = T.data.baselines.tau.mean;
  const mean = Float32Array.from(P.zs, ([zx, zy]) => tau * (same ? zx : (zx + zy) / 2));
  const fused = m.score({ models: m.models, features: m.features, scores: P.scores, feats: P.feats, ids: new Array(P.rows) }).reward;
  // held-out responses of this domain that both judges scored, and the reward the net gives each (all its judges' scores)
  const h = T.data.held, pick = [];
  for (let i = 0; i < h.ids.length; i++) if (h.groups[i] === SIM_DOMAINS[d] && h.scores[i * K + ix] === h.scores[i * K + ix] && h.scores[i * K + iy] === h.scores[i * K + iy]) pick.push(i);
  const sub = { models: h.models, features: h.features, ids: pick.map((i) => h.ids[i]), scores: new Float32Array(pick.length * K), feats: new Float32Array(pick.length * h.features.length) };
  pick.forEach((i, j) => { sub.scores.set(h.scores.subarray(i * K, i * K + K), j * K); sub.feats.set(h.feats.subarray(i * h.features.length, (i + 1) * h.features.length), j * h.features.length); });
  const own = pick.length ? m.score(sub).reward : new Float32Array(0);
  let R = 0;
  for (const v of [...fused, ...mean, ...own]) R = Math.max(R, Math.abs(v));
  R = niceCeil(R);
  paint($('heatFused'), fused, R, S);
  paint($('heatMean'), mean, R, S);
  const zOf = (k, i) => (h.scores[i * K + k] - m.norm.center[k]) * m.norm.scale[k];
  const dots = pick.map((i, j) => ({ x: zOf(ix, i), y: zOf(iy, i), r: own[j] }));
  T.heat = { fused, mean, R, same, dots };
  const nx = `${m.models[ix]} (z-score)`, ny = same ? `${m.models[iy]} again (the same judge)` : `${m.models[iy]} (z-score)`;
  const lo = (v) => Math.min(...v), hi = (v) => Math.max(...v), f2 = (x) => x.toFixed(2);
  // dots on the fused map: filled with the net's reward for that response, ringed; the mean's map has rings only
  const px = (x) => 48 + ((x + ZMAX) / (2 * ZMAX)) * 240, py = (y) => 8 + 240 - ((y + ZMAX) / (2 * ZMAX)) * 240;
  const inside = dots.filter((p) => Math.abs(p.x) <= ZMAX && Math.abs(p.y) <= ZMAX);
  const circles = (filled) => inside.map((p) => `<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="3" fill="${filled ? `rgb(${diverging((p.r + R) / (2 * R)).join(',')})` : 'none'}" data-r="${p.r}" stroke="#111" stroke-width="0.8"/>`).join('');
  const frame = (label, filled) => heatFrame(nx, ny, -ZMAX, ZMAX, [], label).replace('</svg>', `${circles(filled)}</svg>`);
  $('axFused').innerHTML = frame(`fused reward over ${nx} and ${ny}, from ${f2(lo(fused))} to ${f2(hi(fused))}; ${inside.length} held-out responses as dots`, true);
  $('axMean').innerHTML = frame(`mean reward over ${nx} and ${ny}, from ${f2(lo(mean))} to ${f2(hi(mean))}`, false);
  $('heatFused').setAttribute('aria-label', `heat map of the fused reward: ${f2(lo(fused))} at its lowest to ${f2(hi(fused))} at its highest`);
  $('heatMean').setAttribute('aria-label', `heat map of the mean: ${f2(lo(mean))} to ${f2(hi(mean))}`);
  const gatedNote = m.arch.type === 'gated' ? ' A gated net\'s reward is e^s times a weighted mean of the z-scores present, so its extremes sit at the corners, ±e^s·3, whichever judges you pick; what the gate learned shows in the tilt of the colours.' : '';
  const sameNote = same ? ' x and y are the same judge: only its score varies, along x.' : '';
  $('capFused').textContent = `fusion (${m.arch.type}) in ${SIM_DOMAINS[d]}: ${f2(lo(fused))} … ${f2(hi(fused))}.${sameNote}${gatedNote}`;
  $('capMean').textContent = `mean of the z-scores × τ = ${tau.toFixed(2)} (its fitted temperature): ${f2(lo(mean))} … ${f2(hi(mean))}.${sameNote}`;
  $('colorbar').innerHTML = colorBar(-R, R, 'reward (log-odds), both maps and the dots', diverging, 320);
}

// the last hidden layer's output op: hidden0.y (relu fused in) or hidden0.y.<activation>
function hiddenOut(net) {
  const outs = net.graph.ops.filter((o) => o.out && /^hidden\d+\.y/.test(o.out.name)).map((o) => o.out);
  return outs[outs.length - 1];
}

/** Each hidden unit's output over the plane, on one colour scale, its incoming weights on hover or focus. */
export function unitMaps(T, $) {
  const m = T.model, net = m.nets[0], g = net.graph, out = hiddenOut(net), box = $('units');
  if (!out) {
    box.innerHTML = `<p class="small">A ${esc(m.arch.type)} net has no hidden units: its reward is a weighted sum of the inputs (all its weights are on the walk's update screens).</p>`;
    $('unitInfo').textContent = '';
    T.units = null;
    return;
  }
  const P = plane(T, $, U), K = m.models.length, F = m.features.length, N = out.cols, vals = new Float32Array(P.rows * N);
  // the engine's own forward, a chunk of rows at a time, reading the hidden layer's output
  for (let r0 = 0; r0 < P.rows; r0 += g.maxRows) {
    const B = Math.min(g.maxRows, P.rows - r0);
    net.encode(net.input.ptr, P.scores.subarray(r0 * K), P.feats.subarray(r0 * F), B);
    net.forward(B, false);
    vals.set(g.arena.f32.subarray(out.ptr >> 2, (out.ptr >> 2) + B * N), r0 * N);
  }
  let R = 0;
  for (const v of vals) R = Math.max(R, Math.abs(v));
  R = niceCeil(R);
  const W = g.params.find((p) => p.name === 'hidden0.W'), b = g.params.find((p) => p.name === 'hidden0.b'), params = g.getParameters();
  const at = (p) => (p.ptr - g.paramPtr) >> 2;
  const inNames = [...m.models.map((x) => `z · ${x}`), ...m.models.map((x) => `mask · ${x}`), ...m.features.map((f) => `feature · ${f}`)];
  const incoming = (j) => inNames.map((name, i) => [name, params[at(W) + i * N + j]]).concat([['bias', params[at(b) + j]]]);
  const act = m.arch.activation, maps = [];
  box.innerHTML = Array.from({ length: N }, (_, j) => `<button type="button" class="unit" id="unit${j}" aria-describedby="unitInfo"><canvas width="${U}" height="${U}" aria-hidden="true"></canvas><span>unit ${j + 1}</span></button>`).join('');
  for (let j = 0; j < N; j++) {
    const v = Float32Array.from({ length: P.rows }, (_, i) => vals[i * N + j]);
    maps.push(v);
    paint(box.querySelector(`#unit${j} canvas`), v, R, U);
    const el = $(`unit${j}`);
    let lo = Infinity, hi = -Infinity;
    for (const x of v) { lo = Math.min(lo, x); hi = Math.max(hi, x); }
    el.setAttribute('aria-label', `hidden unit ${j + 1}: ${act} output from ${lo.toFixed(2)} to ${hi.toFixed(2)} over the plane`);
    const info = () => {
      const w = incoming(j), big = [...w].sort((x, y) => Math.abs(y[1]) - Math.abs(x[1]));
      $('unitInfo').innerHTML = `<b>unit ${j + 1}</b> = ${act}(Σ w·x + b), output ${lo.toFixed(2)} … ${hi.toFixed(2)} here. Incoming weights, largest first: ` +
        big.map(([name, x]) => `${esc(name)} <span class="formula">${num(x)}</span>`).join(', ');
    };
    el.addEventListener('mouseenter', info);
    el.addEventListener('focus', info);
  }
  T.units = { maps, R, N, act };
  $('unitsCap').textContent = `The ${N} units of the ${m.arch.type === 'gated' ? 'gate\'s' : 'net\'s'} hidden layer (${act}), each over the same plane as the maps above (x: ${m.models[P.ix]}, y: ${P.same ? 'the same judge' : m.models[P.iy]}, ${SIM_DOMAINS[P.d]}), on one colour scale from −${R} (blue) to ${R} (red). Hover over or focus a unit for its incoming weights.`;
}
