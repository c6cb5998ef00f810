// rewardfuse/sim: the simulated ensemble: six judges with known strengths and
// flaws scoring responses in three domains (see data/simulate.ts).
export { simulateEnsemble, simPairs, simItems, SIM_MODELS, SIM_DOMAINS, SIM_JUDGES, type Simulation, type SimOptions, type SimJudge } from './data/simulate.js';
