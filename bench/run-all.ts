/** `npm run bench`: runs every benchmark in turn and prints one JSON document of figures (never pass/fail). */
import { runFanoutLoad } from './fanout-load.js';
import { runPipelineLatency } from './pipeline-latency.js';
import { runE2ePulse } from './e2e-pulse.js';

const results = [await runPipelineLatency(), await runFanoutLoad(), await runE2ePulse()];
console.log(JSON.stringify({ machine: { cores: (await import('node:os')).cpus().length, node: process.version }, results }, null, 2));
process.exit(0);
