import { runScenario } from './scenario.js';

const steps = await runScenario((line) => console.log(line));
console.log(`Demo finished: ${steps} steps.`);
