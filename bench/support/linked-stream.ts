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
  /** Whether the probe's twin connection is up. */
  readonly twin: boolean;
}

/** A running host → listener stream across a veth. */
export interface LinkedStream {
  readonly lab: NetnsLab;
  /** The listener's namespace and its end of the veth. */
  readonly listenerNs: string;
  readonly listenerDevice: string;
  readonly hostNs: string;
  readonly hostDevice: string;
  /** Samples so far, in order; the probe's clock starts when it does. */
  readonly samples: ProbeSample[];
  /** Events the listener reported (connected, stream-lost, ...), with their time on the probe's clock. */
  readonly events: { t: number; event: { type: string } }[];
  /** The probe's clock now [ms], estimated from the last sample. */
  probeNowMs(): number;
  /** Resolves when the probe has exited (after its SECONDS). */
  readonly finished: Promise<void>;
  /** Stops everything; over a lossy link, resolves with each time the link emulator ran more than 15 ms late. */
  stop(): Promise<EmulatorStall[]>;
}

/** One time the link emulator ran late: when it noticed [ms, CLOCK_MONOTONIC] and by how much [ms]. */
export interface EmulatorStall {
  readonly monoMs: number;
  readonly lateMs: number;
}

const probe = fileURLToPath(new URL('./probe-listener.js', import.meta.url));

/** Starts host and probe, over a plain veth or, with `impairment`, a lossy, jittery link. */
export async function startLinkedStream(options: { codec: CodecName; seconds: number; sampleMs: number; impairment?: LinkImpairment; twin?: boolean }): Promise<LinkedStream> {
  const dir = mkdtempSync(join(tmpdir(), 'auralync-bench-link-'));
  const lab = new NetnsLab();
  // The emulator says when it ran late (this machine stalling, not the link it stands for).
  const stallLog = join(dir, 'emulator-stalls.txt');
  const stopAll = async (): Promise<EmulatorStall[]> => {
    await lab.cleanup();
    const lines = existsSync(stallLog) ? readFileSync(stallLog, 'utf8').split('\n').filter(Boolean) : [];
    const stalls = lines.map((line) => {
      const [monoMs, lateMs] = line.split(' ').map(Number);
      return { monoMs: monoMs as number, lateMs: lateMs as number };
    });
    rmSync(dir, { recursive: true, force: true });
    return stalls;
  };
  try {
    const { a, b, addressA, deviceA, deviceB } =
      options.impairment === undefined ? lab.addPair('host', 'lsn') : await lab.addLossyPair('host', 'lsn', { ...options.impairment, stallLog });
    const input = join(dir, 'in.wav');
    writeTestWav(input, { seconds: options.seconds + 10, kind: 'tones' });
    const host = lab.spawnCli(a, ['host', '--input', input, '--codec', options.codec, '--name', 'bench'], { AURALYNC_DISCOVERY: 'off' });
    await new OutputLog(host).waitFor(/hosting 'bench'/, 15_000);
    const env = options.twin === false ? { ...process.env, PROBE_TWIN: '0' } : process.env;
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
