/**
 * `npm run bench`: runs every benchmark in turn and prints one JSON document of figures (never pass/fail).
 * The discovery, outage-recovery and wifi-link benchmarks need root (network namespaces); wifi-link and delay-over-time take 10 minutes each; the packaged-start one needs `npm run package` first.
 * One benchmark alone: node out/bench/<name>.js
 */
import { cpus } from 'node:os';
import { runDelayOverTime } from './delay-over-time.js';
import { runDiscoveryTimes } from './discovery-times.js';
import { runDriftSkew } from './drift-skew.js';
import { runE2ePulse } from './e2e-pulse.js';
import { runEncryptionCost } from './encryption-cost.js';
import { runFanoutLoad } from './fanout-load.js';
import { runOutageRecovery } from './outage-recovery.js';
import { runPackagedStart } from './packaged-start.js';
import { runPipelineLatency } from './pipeline-latency.js';
import { runVsSnapcast } from './vs-snapcast.js';
import { runWifiLink } from './wifi-link.js';

const benches: [string, () => Promise<Record<string, unknown>> | Record<string, unknown>][] = [
  ['pipeline-latency', runPipelineLatency],
  ['fanout-load', runFanoutLoad],
  ['encryption-cost', runEncryptionCost],
  ['e2e-pulse', runE2ePulse],
  ['drift-skew', runDriftSkew],
  ['vs-snapcast', runVsSnapcast],
  ['delay-over-time', runDelayOverTime],
  ['discovery-times', runDiscoveryTimes],
  ['outage-recovery', runOutageRecovery],
  ['wifi-link', runWifiLink],
  ['packaged-start', runPackagedStart],
];
const results = [];
for (const [name, run] of benches) {
  try {
    results.push(await run());
  } catch (err) {
    results.push({ bench: name, skipped: (err as Error).message.split('\n')[0] });
  }
}
console.log(JSON.stringify({ machine: { cores: cpus().length, node: process.version }, results }, null, 2));
process.exit(0);
