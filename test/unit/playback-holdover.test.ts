import assert from 'node:assert/strict';
import { AudifyPlaybackSink } from '../../src/adapters/audio/audify-playback-sink.js';
import type { RtAudioInstance, RtDeviceInfo } from '../../src/adapters/audio/audify-module.js';
import { CHANNELS, SAMPLE_RATE } from '../../src/core/audio-format.js';
import { JitterBuffer } from '../../src/core/jitter-buffer.js';
import { RateMatchedPlayout } from '../../src/core/rate-matched-playout.js';

/**
 * A device the test clocks by hand, with audify's queue rules: write() queues one buffer; take() plays
 * the oldest and then calls frameOutputCallback, or plays zeros with no callback when nothing is queued.
 */
class HandClockedDevice implements RtAudioInstance {
  readonly played: number[] = [];
  private readonly queue: Buffer[] = [];
  private frameSize = 0;
  private ticks = 0;
  private onTaken: (() => void) | null = null;

  openStream(_o: unknown, _i: unknown, _f: number, _r: number, frameSize: number, _n: string, _in: unknown, onTaken: (() => void) | null): number {
    this.frameSize = frameSize;
    this.onTaken = onTaken;
    return frameSize;
  }
  /** The device plays one buffer: the first sample of each is recorded (0 for a zero-filled one). */
  take(): void {
    this.ticks++;
    const next = this.queue.shift();
    this.played.push(next === undefined ? 0 : next.readFloatLE(0));
    if (next !== undefined) this.onTaken?.();
  }
  get queued(): number {
    return this.queue.length;
  }
  get streamTime(): number {
    return (this.ticks * this.frameSize) / SAMPLE_RATE;
  }
  write(pcm: Buffer): void {
    this.queue.push(pcm);
  }
  getDevices(): RtDeviceInfo[] {
    return [{ id: 1, name: 'Speakers', outputChannels: 2, inputChannels: 0, isDefaultOutput: true, isDefaultInput: false }];
  }
  getApi(): string {
    return 'hand';
  }
  closeStream(): void {}
  isStreamOpen(): boolean {
    return true;
  }
  start(): void {}
  stop(): void {}
  isStreamRunning(): boolean {
    return true;
  }
  clearOutputQueue(): void {
    this.queue.length = 0;
  }
  getStreamLatency(): number {
    return 0;
  }
  getDefaultInputDevice(): number {
    return 0;
  }
  getDefaultOutputDevice(): number {
    return 1;
  }
}

/** A render() whose buffers are numbered 1, 2, 3… in their first sample, and a ready() the test sets. */
function numberedSource() {
  const source = {
    rendered: 0,
    ready: true,
    render: (frames: number) => {
      const out = new Float32Array(frames * CHANNELS);
      out[0] = ++source.rendered;
      return out;
    },
  };
  return source;
}

async function startSink(source: ReturnType<typeof numberedSource>, withReady = true) {
  const device = new HandClockedDevice();
  // 'linux' + 'standard': 480-frame buffers, 30 ms ahead = 3 buffers queued.
  const sink = new AudifyPlaybackSink({ platform: 'linux', createRtAudio: () => device });
  await sink.start(source.render, () => assert.fail('no error expected'), withReady ? () => source.ready : undefined);
  return { device, sink };
}

describe('playback holdover: the queue ahead rides out a late packet', () => {
  it('primes the queue ahead, then keeps it full one buffer per buffer played', async () => {
    const source = numberedSource();
    const { device, sink } = await startSink(source);
    assert.equal(device.queued, 3);
    for (let i = 0; i < 10; i++) device.take();
    assert.equal(device.queued, 3);
    assert.deepEqual(device.played, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await sink.stop();
  });

  it('holds back while audio is still queued when ready() says no, and catches up on refill(): no gap played', async () => {
    const source = numberedSource();
    const { device, sink } = await startSink(source);
    device.take();
    source.ready = false; // the next packet is late
    device.take();
    device.take();
    assert.equal(device.queued, 1, 'nothing written while the packet was late');
    assert.equal(source.rendered, 4, 'no fade rendered while audio was queued');
    source.ready = true; // it arrived
    sink.refill();
    assert.equal(device.queued, 3);
    for (let i = 0; i < 5; i++) device.take();
    assert.deepEqual(device.played, [1, 2, 3, 4, 5, 6, 7, 8], 'every buffer in order, none zero-filled');
    assert.equal(sink.underruns, 0);
    await sink.stop();
  });

  it('catches up on the next buffer played when no refill() comes', async () => {
    const source = numberedSource();
    const { device, sink } = await startSink(source);
    source.ready = false;
    device.take();
    assert.equal(device.queued, 2);
    source.ready = true;
    device.take();
    assert.equal(device.queued, 3, 'two written at once: the one held back and the one just played');
    await sink.stop();
  });

  it('renders (the fade) once the queue is empty: the device never zero-fills for lack of a write', async () => {
    const source = numberedSource();
    const { device, sink } = await startSink(source);
    source.ready = false; // the host went silent for good
    for (let i = 0; i < 8; i++) device.take();
    assert.ok(!device.played.includes(0), `played ${device.played.join(',')}`);
    assert.equal(device.queued, 1, 'one buffer kept queued so the device calls back');
    assert.equal(sink.underruns, 0);
    await sink.stop();
  });

  it('without ready() writes one buffer per buffer played, as before', async () => {
    const source = numberedSource();
    source.ready = false;
    const { device, sink } = await startSink(source, false);
    for (let i = 0; i < 4; i++) device.take();
    assert.equal(device.queued, 3);
    assert.equal(source.rendered, 7);
    await sink.stop();
  });
});

describe('RateMatchedPlayout.canRender', () => {
  const packet = (ms: number) => new Float32Array(((ms * SAMPLE_RATE) / 1000) * CHANNELS).fill(0.25);

  it('is true while the buffer is still buffering: its silence is meant', () => {
    const playout = new RateMatchedPlayout(new JitterBuffer({ targetMs: 20 }));
    assert.equal(playout.canRender(480), true);
  });

  it('is true while enough is held for the render and one pull of margin, false below that', () => {
    const jitter = new JitterBuffer({ targetMs: 20 });
    const playout = new RateMatchedPlayout(jitter);
    jitter.push(0, 0, packet(20));
    playout.render(240);
    jitter.push(1, 20, packet(20));
    playout.render(240); // the second arrival starts it: 20 + 5 + 10 ms of the 40 held, 30 after it
    assert.equal(jitter.state, 'playing');
    assert.equal(playout.canRender(240), true);
    while (playout.canRender(240)) playout.render(240);
    assert.equal(jitter.stats.underruns, 0, 'canRender said no before any render ran short');
    assert.equal(playout.canRender(240), false);
    jitter.push(2, 40, packet(10));
    assert.equal(playout.canRender(240), true);
  });
});
