// The page's settings in its address, so a teacher can share a state:
//   ?arch=mlp&lr=0.01&epochs=200&speed=5&rmx=careful&rmy=big-scale&pair=12&opt=fresh&judge=code-expert:1,0,0,-1
// Only what differs from the page's defaults is written; judge=name:noise,length,stuffing,expert per edited judge.
import { SIM_JUDGES } from '../../dist/sim.js';

const FIELDS = ['arch', 'width', 'lr', 'wd', 'dropout', 'val', 'epochs', 'seed', 'speed', 'rmx', 'rmy', 'domain'];
const KNOBS = ['noise', 'length', 'stuffing', 'expert'];
let defaults = null;

/** Fill the inputs from the address; returns the pair it names (1-based, or 0) and a note of what it ignored. Bad values are left at the defaults. */
export function readSettings(T, $, inputs) {
  defaults = Object.fromEntries(FIELDS.map((id) => [id, $(id).value]));
  const q = new URLSearchParams(location.search), unknown = [];
  for (const id of FIELDS) {
    if (!q.has(id)) continue;
    const el = $(id), v = q.get(id);
    const r = inputs[id], x = Number(v);
    const bad = el.tagName === 'SELECT' ? ![...el.options].some((o) => o.value === v)
      : v.trim() === '' || !Number.isFinite(x) || (r.int && !Number.isInteger(x)) || x < r.min || x > r.max;
    if (bad) unknown.push(`${id}=${v}`);
    else el.value = v;
  }
  if (q.get('opt') === 'fresh') document.querySelector('input[name="opt"][value="fresh"]').checked = true;
  for (const spec of q.getAll('judge')) {
    const [name, values] = spec.split(':'), j = T.judges.find((x) => x.name === name), xs = (values ?? '').split(',').map(Number);
    if (!j || xs.length !== 4 || xs.some((x) => !Number.isFinite(x))) { unknown.push(`judge=${spec}`); continue; }
    KNOBS.forEach((k, i) => (j[k] = xs[i]));
  }
  const pair = Number(q.get('pair'));
  return { pair: Number.isInteger(pair) && pair >= 1 ? pair : 0, note: unknown.length ? `ignored from the address: ${unknown.join(', ')}` : '' };
}

/** Write the current settings into the address (replacing, not adding, a history entry). */
export function writeSettings(T) {
  if (!defaults) return;
  const q = new URLSearchParams(), $ = (id) => document.getElementById(id);
  for (const id of FIELDS) if ($(id).value !== defaults[id]) q.set(id, $(id).value);
  if (T.pairPicked) q.set('pair', String(T.pairIndex + 1));
  if (document.querySelector('input[name="opt"]:checked')?.value === 'fresh') q.set('opt', 'fresh');
  T.judges.forEach((j, k) => {
    if (KNOBS.some((kn) => j[kn] !== SIM_JUDGES[k][kn])) q.append('judge', `${j.name}:${KNOBS.map((kn) => j[kn]).join(',')}`);
  });
  const s = q.toString();
  history.replaceState(null, '', s ? `?${s}` : location.pathname);
}
