/**
 * A host and a probe listener in two network namespaces joined by a veth (created here, deleted by
 * `stop()`): the setting of the network benchmarks. The host is the real CLI playing a WAV file in real
 * time; the listener is bench/support/probe-listener, whose JSON samples are collected as they come.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CodecName } from '../../src/core/handshake.js';
import { writeTestWav } from '../../test/support/audio-files.js';
import { NetnsLab, OutputLog, type LinkImpairment } from '../../test/support/netns.js';

/** One line of the probe listener. */
export interface ProbeSample {
  readonly t: number;
  readonly state: string;
  readonly bufferedMs: number;
  readonly targetMs: number;
  readonly latencyMs: number | undefined;
  readonly underruns: number;
  readonly missingPackets: number;
  readonly framesReceived: number;
  readonly reconnects: number;
  readonly driftPpm: number;
  /** Longest pause between two new packets in this sample [ms]. */
  readonly arrivalGapMs: number;
  /** Most late packet in this sample: its transit above the fastest transit so far [ms]. */
  readonly latenessMs: number;
  /** Longest event-loop delay of the probe in this sample [ms]. */
  readonly loopDelayMs: number;
  /** When the sample was taken on CLOCK_MONOTONIC [ms]: the clock of the link emulator's stall log. */
  readonly monoMs: number;
  /** How many twin connections of the probe's are up. */
  readonly twins: number;
  /** Of `underruns`, the output's own (PulseAudio ran the stream dry); undefined for a NullSink. */
  readonly outputUnderruns?: number;
}

/** A running host → listener stream across a veth. */
export interface LinkedStream {
  readonly lab: NetnsLab;
  /** The listener's namespace and its end of the veth. */
  readonly listenerNs: string;
  readonly listenerDevice: string;
  readonly hostNs: string;
  readonly hostDevice: string;
  /** Over a lossy link: loses every packet either way while `on`, both ends staying up (a Wi-Fi black hole); undefined over a plain veth. */
  readonly blackHole: ((on: boolean) => void) | undefined;
  /** Samples so far, in order; the probe's clock starts when it does. */
  readonly samples: ProbeSample[];
  /** The host's output lines (joins, rejoins, leaves), each with its wall-clock time. */
  readonly hostLog: OutputLog;
  /** Events the listener reported (connected, stream-lost, ...), with their time on the probe's clock. */
  readonly events: { t: number; event: { type: string } }[];
  /** The probe's clock now [ms], estimated from the last sample. */
  probeNowMs(): number;
  /** Resolves when the probe has exited (after its SECONDS). */
  readonly finished: Promise<void>;
  /** Stops everything; over a lossy link, resolves with what the link emulator logged (empty otherwise). */
  stop(): Promise<LinkLogs>;
}

/** A pause the link emulator logged: when it ended [ms, CLOCK_MONOTONIC] and how long it was [ms]. */
export interface LinkPause {
  readonly monoMs: number;
  readonly ms: number;
}

/** What the link emulator saw of this machine and of the host, apart from the link it stands for. */
export interface LinkLogs {
  /** Each time the emulator itself ran more than 15 ms late (this machine stalling). */
  readonly stalls: LinkPause[];
  /** Each time nothing came from the host's end for more than 40 ms (the host stalled, or its TCP waiting out a resend timeout; an emulator stall shows here too). */
  readonly hostSilences: LinkPause[];
}

/** The lines "MONOTONIC_MS MS" of one of the emulator's logs; none when it was not written. */
function readPauses(path: string): LinkPause[] {
  const lines = existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : [];
  return lines.map((line) => {
    const [monoMs, ms] = line.split(' ').map(Number);
    return { monoMs: monoMs as number, ms: ms as number };
  });
}

const probe = fileURLToPath(new URL('./probe-listener.js', import.meta.url));

/**
 * Starts host and probe, over a plain veth or, with `impairment`, a lossy, jittery link. `twins`: how many
 * twin connections the probe opens (default: the listener's own); `copiesFile`: where the probe writes every
 * packet copy it got (PROBE_COPIES).
 */
export async function startLinkedStream(options: {
  codec: CodecName;
  seconds: number;
  sampleMs: number;
  impairment?: LinkImpairment;
  twins?: number;
  copiesFile?: string;
}): Promise<LinkedStream> {
  const dir = mkdtempSync(join(tmpdir(), 'auralync-bench-link-'));
  const lab = new NetnsLab();
  // The emulator says when it ran late (this machine stalling, not the link it stands for), and when the
  // host's end sent nothing (the host stalled, or its TCP waiting on a resend timeout).
  const stallLog = join(dir, 'emulator-stalls.txt');
  const quietLog = join(dir, 'host-silences.txt');
  const stopAll = async (): Promise<LinkLogs> => {
    await lab.cleanup();
    const logs = { stalls: readPauses(stallLog), hostSilences: readPauses(quietLog) };
    rmSync(dir, { recursive: true, force: true });
    return logs;
  };
  try {
    const { a, b, addressA, deviceA, deviceB, blackHole } =
      options.impairment === undefined ? { ...lab.addPair('host', 'lsn'), blackHole: undefined } : await lab.addLossyPair('host', 'lsn', { ...options.impairment, stallLog, quietLog });
    const input = join(dir, 'in.wav');
    writeTestWav(input, { seconds: options.seconds + 10, kind: 'tones' });
    const host = lab.spawnCli(a, ['host', '--input', input, '--codec', options.codec, '--name', 'bench'], { AURALYNC_DISCOVERY: 'off' });
    const hostLog = new OutputLog(host);
    await hostLog.waitFor(/hosting 'bench'/, 15_000);
    const env = {
      ...process.env,
      ...(options.twins === undefined ? {} : { PROBE_TWINS: String(options.twins) }),
      ...(options.copiesFile === undefined ? {} : { PROBE_COPIES: options.copiesFile }),
    };
    const child = lab.spawnIn(b, process.execPath, [probe, addressA, '50007', String(options.seconds), String(options.sampleMs)], undefined, env);
    const samples: ProbeSample[] = [];
    const events: { t: number; event: { type: string } }[] = [];
    let lastSampleAt = { probeMs: 0, wallMs: Date.now() };
    let partial = '';
    child.stdout?.on('data', (bytes: Buffer) => {
      partial += bytes.toString();
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const value = JSON.parse(line) as ProbeSample | { t: number; event: { type: string } };
        if ('event' in value) events.push(value);
        else {
          samples.push(value);
          lastSampleAt = { probeMs: value.t, wallMs: Date.now() };
        }
      }
    });
    let stderr = '';
    child.stderr?.on('data', (bytes: Buffer) => (stderr += bytes.toString()));
    let stopping = false;
    const finished = new Promise<void>((resolve, reject) =>
      child.on('exit', (code) => (code === 0 || stopping ? resolve() : reject(new Error(`probe listener exited with ${code}: ${stderr.slice(-300)}`)))),
    );
    finished.catch(() => {}); // reported to whoever awaits it; never an unhandled rejection
    return {
      lab,
      listenerNs: b,
      listenerDevice: deviceB,
      hostNs: a,
      hostDevice: deviceA,
      blackHole,
      hostLog,
      samples,
      events,
      probeNowMs: () => lastSampleAt.probeMs + (Date.now() - lastSampleAt.wallMs),
      finished,
      stop: () => {
        stopping = true;
        return stopAll();
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
