// rewardfuse/teach: what the teaching page (examples/teach/) opens up to show a
// net learning: the model, the fit loop one step at a time, the traces and the
// charts. Internals, declared so the page imports no undeclared path; they may
// change in any release.
export { FusionModel } from './models/model.js';
export { fitNormaliser } from './models/normalise.js';
export { ARCHS } from './models/archs.js';
export { readTrace, readParamGrads } from './models/trace.js';
export { Fit, probeStep } from './train/fit.js';
export { lineChart, groupedBars, heatFrame, colorBar, diverging, esc } from './report/svg.js';
