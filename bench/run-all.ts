/** `npm run bench`: runs every benchmark in turn and prints one JSON document of figures (never pass/fail). */
import { runFanoutLoad } from './fanout-load.js';
import { runPipelineLatency } from './pipeline-latency.js';

const results = [await runPipelineLatency(), await runFanoutLoad()];
console.log(JSON.stringify({ machine: { cores: (await import('node:os')).cpus().length, node: process.version }, results }, null, 2));
process.exit(0);
