// rewardfuse/shift: when a model's nets give way to its anchor rule: the shift
// check's rule, and a rolling window of it for a server's batches.
export { SHIFT_RULE, type ShiftReport, type JudgeShift } from './models/shift.js';
export { ShiftWindow, type ShiftWindowOptions } from './models/shift-window.js';
