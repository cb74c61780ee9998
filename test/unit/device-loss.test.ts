/**
 * Devices that go away, as pure logic on a manual clock: RetryingCaptureSource (silence, retries, back)
 * and FallbackPlaybackSink (one move to the default output). The real PulseAudio case is
 * test/integration/device-faults.test.ts.
 */
import assert from 'node:assert/strict';
import { FallbackPlaybackSink } from '../../src/adapters/audio/fallback-playback-sink.js';
import { RetryingCaptureSource } from '../../src/adapters/audio/retrying-capture-source.js';
import { BLOCK_FRAMES, CHANNELS, framesToMs, type AudioBlock } from '../../src/core/audio-format.js';
import { AuraError } from '../../src/core/errors.js';
import type { ClockedSink } from '../../src/ports/audio-sink.js';
import type { AudioSource, AudioSourceHandlers } from '../../src/ports/audio-source.js';
import { ManualClock } from '../fakes/manual-clock.js';

const BLOCK_MS = framesToMs(BLOCK_FRAMES);
const flush = () => new Promise((resolve) => setImmediate(resolve));

/** A device source the test feeds by hand; `failStart` makes opening it fail (device still absent). */
class DeviceSource implements AudioSource {
  readonly description = 'Monitor of Speakers';
  handlers: AudioSourceHandlers | undefined;
  stopped = false;
  constructor(private readonly failStart: boolean) {}
  start(handlers: AudioSourceHandlers): Promise<void> {
    if (this.failStart) return Promise.reject(new AuraError('ERR_DEVICE_UNAVAILABLE', 'not present'));
    this.handlers = handlers;
    return Promise.resolve();
  }
  block(captureTimeMs: number, value: number): void {
    this.handlers?.onBlock({ samples: new Float32Array(BLOCK_FRAMES * CHANNELS).fill(value), captureTimeMs });
  }
  stop(): Promise<void> {
    this.stopped = true;
    return Promise.resolve();
  }
}

function retrying(clock: ManualClock, present: { now: boolean; absentOpens: number }, watch: boolean) {
  const opened: DeviceSource[] = [];
  const notices: string[] = [];
  const blocks: AudioBlock[] = [];
  const errors: AuraError[] = [];
  const source = new RetryingCaptureSource({
    open: () => {
      const device = new DeviceSource(opened.length > 0 && present.absentOpens-- > 0);
      opened.push(device);
      return device;
    },
    clock,
    onNotice: (line) => notices.push(line),
    isPresent: watch ? () => Promise.resolve(present.now) : undefined,
  });
  const handlers = { onBlock: (b: AudioBlock) => blocks.push(b), onError: (e: AuraError) => errors.push(e), onEnd: () => {} };
  return { source, opened, notices, blocks, errors, handlers };
}

describe('RetryingCaptureSource', () => {
  it('bridges a failed device with silence on the clock, retries every 2 s, and says gone and back once each', async () => {
    const clock = new ManualClock();
    const present = { now: true, absentOpens: 2 };
    const t = retrying(clock, present, false);
    await t.source.start(t.handlers);
    const first = t.opened[0]!;
    for (let i = 0; i < 4; i++) first.block(i * BLOCK_MS, 0.5);
    clock.advance(4 * BLOCK_MS);
    first.handlers!.onError(new AuraError('ERR_DEVICE_UNAVAILABLE', 'audio read error'));
    assert.equal(t.notices.length, 1);
    assert.match(t.notices[0]!, /capture device 'Monitor of Speakers' is gone \(.*audio read error.*\); sending silence and retrying every 2 s/);
    assert.ok(t.source.bridging);

    // Two failed reopen attempts (at 2 s and 4 s), then the device opens at 6 s.
    for (let step = 0; step < 3; step++) {
      clock.advance(2000);
      await flush();
    }
    assert.equal(t.opened.length, 4, 'one open at start, three retries');
    assert.equal(t.notices.length, 2, `nothing said at the failed retries: ${t.notices.join(' | ')}`);
    assert.match(t.notices[1]!, /capture device 'Monitor of Speakers' is back/);
    assert.ok(first.stopped);

    const silent = t.blocks.slice(4);
    assert.ok(silent.length >= 6000 / BLOCK_MS - 2, `silence all along the gap (${silent.length} blocks)`);
    assert.ok(silent.every((b) => b.samples.every((v) => v === 0)));
    for (let i = 1; i < t.blocks.length; i++) {
      assert.ok(t.blocks[i]!.captureTimeMs - t.blocks[i - 1]!.captureTimeMs === BLOCK_MS, `stamps run on one block apart (at ${i})`);
    }

    // The reopened device's audio takes over from the silence.
    const back = t.opened[3]!;
    const lastSilence = t.blocks.at(-1)!.captureTimeMs;
    back.block(lastSilence + BLOCK_MS, 0.25);
    const count = t.blocks.length;
    clock.advance(100);
    assert.equal(t.blocks.length, count, 'no more silence once the device delivers');
    assert.equal(t.blocks.at(-1)!.samples[0], 0.25);
    assert.equal(t.errors.length, 0);
    await t.source.stop();
    assert.ok(back.stopped);
  });

  it('treats a device that left the device list as gone, even while its stream still runs (moved by the sound server)', async () => {
    const clock = new ManualClock();
    const present = { now: true, absentOpens: 0 };
    const t = retrying(clock, present, true);
    await t.source.start(t.handlers);
    clock.advance(2000);
    await flush();
    assert.equal(t.notices.length, 0, 'present: nothing said');
    present.now = false;
    clock.advance(2000);
    await flush();
    assert.equal(t.notices.length, 1);
    assert.match(t.notices[0]!, /is gone \(the device was removed\)/);
    assert.ok(t.opened[0]!.stopped, 'the moved stream is stopped: its sound is not the chosen one');
    t.opened[0]!.block(0, 0.9); // a late block from the moved stream
    assert.ok(t.blocks.every((b) => b.samples[0] === 0), 'nothing from the moved stream is sent');
    await t.source.stop();
  });

  it('opens nothing while the device list says it is gone (a sound server may hand the stream another device), and reopens once it is back', async () => {
    const clock = new ManualClock();
    const present = { now: true, absentOpens: 0 };
    const t = retrying(clock, present, true);
    await t.source.start(t.handlers);
    present.now = false;
    clock.advance(1000);
    await flush();
    assert.match(t.notices[0] ?? '', /is gone/);
    for (let i = 0; i < 3; i++) {
      clock.advance(2000);
      await flush();
    }
    assert.equal(t.opened.length, 1, 'no retry opened a stream while the device was missing');
    present.now = true;
    clock.advance(2000);
    await flush();
    assert.equal(t.opened.length, 2);
    assert.match(t.notices[1] ?? '', /is back/);
    await t.source.stop();
  });

  it('passes other errors on, without retrying', async () => {
    const clock = new ManualClock();
    const t = retrying(clock, { now: true, absentOpens: 0 }, false);
    await t.source.start(t.handlers);
    t.opened[0]!.handlers!.onError(new AuraError('ERR_AUDIO_BACKEND', 'sound server gone'));
    clock.advance(5000);
    await flush();
    assert.deepEqual(t.errors.map((e) => e.code), ['ERR_AUDIO_BACKEND']);
    assert.equal(t.opened.length, 1);
    assert.equal(t.notices.length, 0);
  });
});

/** An output device the test can fail by hand. */
class DeviceSink implements ClockedSink {
  readonly kind = 'clocked';
  render: ((frames: number) => Float32Array) | undefined;
  onError: ((err: AuraError) => void) | undefined;
  stopped = false;
  constructor(readonly description: string) {}
  start(render: (frames: number) => Float32Array, onError: (err: AuraError) => void): Promise<void> {
    this.render = render;
    this.onError = onError;
    return Promise.resolve();
  }
  outputLatencyMs(): number {
    return 20;
  }
  stop(): Promise<void> {
    this.stopped = true;
    return Promise.resolve();
  }
}

/** A DeviceSink that can hold a reserve, and says what it was asked for. */
class ReservingDeviceSink extends DeviceSink {
  reserveMs: number | undefined;
  setReserveMs(ms: number): void {
    this.reserveMs = ms;
  }
  reserveLevelMs(): number {
    return this.description === 'Speakers' ? 7 : 3;
  }
}

describe('FallbackPlaybackSink', () => {
  function fallback(present?: { now: boolean }) {
    const clock = new ManualClock();
    const chosen = new DeviceSink('USB Headphones');
    const defaults: DeviceSink[] = [];
    const said: string[] = [];
    const sink = new FallbackPlaybackSink({
      chosen,
      openDefault: () => {
        const d = new DeviceSink('Speakers');
        defaults.push(d);
        return d;
      },
      onFallback: (line) => said.push(line),
      isPresent: present === undefined ? undefined : () => Promise.resolve(present.now),
      clock,
    });
    return { clock, chosen, defaults, said, sink };
  }
  const render = (frames: number) => new Float32Array(frames * 2);

  it('moves to the default output once, with the same render, when the chosen device fails', async () => {
    const t = fallback();
    const errors: AuraError[] = [];
    await t.sink.start(render, (e) => errors.push(e));
    t.chosen.onError!(new AuraError('ERR_DEVICE_UNAVAILABLE', 'device invalidated'));
    await flush();
    assert.ok(t.chosen.stopped);
    assert.equal(t.defaults.length, 1);
    assert.equal(t.defaults[0]!.render, render, 'the same stream goes on');
    assert.deepEqual(t.said, ["output 'USB Headphones' is gone (device invalidated); playing on the default output 'Speakers'"]);
    assert.equal(t.sink.description, 'Speakers');
    assert.equal(errors.length, 0);
    // The default output failing too is the stream's error: there is nowhere else to go.
    t.defaults[0]!.onError!(new AuraError('ERR_DEVICE_UNAVAILABLE', 'gone too'));
    await flush();
    assert.deepEqual(errors.map((e) => e.message), ['gone too']);
    assert.equal(t.defaults.length, 1);
  });

  it("offers a reserve only where the chosen device can hold one, and passes it on to the default output", async () => {
    assert.equal(fallback().sink.setReserveMs, undefined, 'a device without a reserve');
    const defaults: ReservingDeviceSink[] = [];
    const chosen = new ReservingDeviceSink('USB Headphones');
    const sink = new FallbackPlaybackSink({
      chosen,
      openDefault: () => {
        const d = new ReservingDeviceSink('Speakers');
        defaults.push(d);
        return d;
      },
      onFallback: () => {},
    });
    sink.setReserveMs?.(55);
    await sink.start(render, () => {});
    assert.equal(chosen.reserveMs, 55);
    assert.equal(sink.reserveLevelMs?.(), 3);
    chosen.onError!(new AuraError('ERR_DEVICE_UNAVAILABLE', 'unplugged'));
    await flush();
    assert.equal(defaults[0]?.reserveMs, 55, 'the default output holds the same reserve');
    assert.equal(sink.reserveLevelMs?.(), 7, "the level is the default output's now");
  });

  it('moves when the chosen device leaves the device list, though its stream did not fail', async () => {
    const present = { now: true };
    const t = fallback(present);
    await t.sink.start(render, () => {});
    t.clock.advance(2000);
    await flush();
    assert.equal(t.defaults.length, 0);
    present.now = false;
    t.clock.advance(2000);
    await flush();
    assert.equal(t.defaults.length, 1);
    assert.match(t.said[0]!, /output 'USB Headphones' is gone \(the device was removed\); playing on the default output 'Speakers'/);
    t.clock.advance(10_000);
    await flush();
    assert.equal(t.said.length, 1, 'said once');
    await t.sink.stop();
    assert.ok(t.defaults[0]!.stopped);
  });

  it('passes errors other than a missing device straight on', async () => {
    const t = fallback();
    const errors: AuraError[] = [];
    await t.sink.start(render, (e) => errors.push(e));
    t.chosen.onError!(new AuraError('ERR_AUDIO_BACKEND', 'sound server gone'));
    await flush();
    assert.equal(t.defaults.length, 0);
    assert.deepEqual(errors.map((e) => e.code), ['ERR_AUDIO_BACKEND']);
  });
});
