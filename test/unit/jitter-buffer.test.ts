import assert from 'node:assert/strict';
import { JitterBuffer } from '../../src/core/jitter-buffer.js';

/** A chunk whose every sample is distinct and known: frame f (of the whole stream) holds f/1e6 and -f/1e6. */
function ramp(firstFrame: number, frames: number): Float32Array {
  const out = new Float32Array(frames * 2);
  for (let i = 0; i < frames; i++) {
    out[i * 2] = (firstFrame + i) / 1e6;
    out[i * 2 + 1] = -(firstFrame + i) / 1e6;
  }
  return out;
}

/** A chunk of a sine at 0.8 amplitude, continuing from `firstFrame`. */
function tone(firstFrame: number, frames: number, hz = 100): Float32Array {
  const out = new Float32Array(frames * 2);
  for (let i = 0; i < frames; i++) out[i * 2] = out[i * 2 + 1] = 0.8 * Math.sin((2 * Math.PI * hz * (firstFrame + i)) / 48_000);
  return out;
}

function largestStep(samples: Float32Array): number {
  let worst = 0;
  for (let i = 2; i < samples.length; i++) worst = Math.max(worst, Math.abs((samples[i] as number) - (samples[i - 2] as number)));
  return worst;
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}

describe('JitterBuffer', () => {
  it('stays silent until the target is held, then plays every sample exactly', () => {
    const buffer = new JitterBuffer({ targetMs: 100 }); // 4800 frames
    let pushed = 0;
    let seq = 0;
    const push = (frames: number): void => {
      buffer.push(seq++, pushed / 48, ramp(pushed, frames));
      pushed += frames;
    };
    for (let i = 0; i < 9; i++) push(480);
    assert.ok(buffer.render(333).every((x) => x === 0));
    assert.equal(buffer.state, 'buffering');
    push(480);
    const played: Float32Array[] = [];
    for (const frames of [333, 1, 777, 480, 1024, 5, 999, 250]) {
      while (buffer.bufferedMs * 48 < frames + 1000) push([480, 960, 1024][seq % 3] as number);
      played.push(buffer.render(frames));
      assert.equal(buffer.state, 'playing');
    }
    const out = concat(played);
    const expected = ramp(0, out.length / 2);
    assert.ok(Buffer.from(out.buffer).equals(Buffer.from(expected.buffer)), 'bit-exact continuity');
    assert.equal(buffer.stats.playedFrames, out.length / 2);
    assert.equal(buffer.stats.underruns, 0);
  });

  it('fades out on an underrun, counts it once, and re-buffers to the target', () => {
    const buffer = new JitterBuffer({ targetMs: 20 });
    let frame = 0;
    for (let seq = 0; seq < 2; seq++, frame += 480) buffer.push(seq, 0, tone(frame, 480));
    const out: Float32Array[] = [];
    for (let i = 0; i < 6; i++) out.push(buffer.render(256)); // 960 held, 1536 asked: runs dry in the 4th
    assert.equal(buffer.stats.underruns, 1);
    assert.equal(buffer.stats.concealedFrames, 4 * 256 - 960, 'the part of the 4th render that had no audio');
    assert.equal(buffer.state, 'buffering');
    buffer.push(2, 0, tone(frame, 480));
    out.push(buffer.render(256));
    assert.ok(out[out.length - 1]?.every((x) => x === 0), 'silent while re-buffering');
    buffer.push(3, 0, tone(frame + 480, 480));
    for (let i = 0; i < 3; i++) out.push(buffer.render(256));
    assert.equal(buffer.state, 'playing');
    assert.equal(buffer.stats.underruns, 1);
    // A 100 Hz tone at 0.8 moves at most 0.0105 per frame; fading out and back in may add a few % of full scale.
    const step = largestStep(concat(out));
    assert.ok(step < 0.03, `largest step ${step}`);
  });

  it('fades out without a click when the buffer is empty exactly at a render boundary', () => {
    const buffer = new JitterBuffer({ targetMs: 10 });
    buffer.push(0, 0, tone(0, 600));
    const out = [buffer.render(600), buffer.render(64), buffer.render(128), buffer.render(128)];
    assert.equal(buffer.stats.underruns, 1);
    assert.ok(Math.abs(out[0]?.[1198] as number) > 0.7, 'the audio ends loud');
    assert.ok(largestStep(concat(out)) < 0.03);
    assert.ok(out[3]?.every((x) => x === 0), 'then silence');
  });

  it('drops duplicate and late packets', () => {
    const buffer = new JitterBuffer({ targetMs: 10 });
    for (const seq of [1, 2, 3]) buffer.push(seq, 0, ramp(0, 480));
    for (const seq of [3, 2, 0]) buffer.push(seq, 0, ramp(0, 480));
    assert.equal(buffer.stats.lateDrops, 3);
    assert.equal(buffer.bufferedMs, 30);
  });

  it('counts missing packets and plays on without waiting for them', () => {
    const buffer = new JitterBuffer({ targetMs: 10 });
    buffer.push(1, 0, ramp(0, 480));
    buffer.push(2, 10, ramp(480, 480));
    buffer.push(5, 40, ramp(2400, 480));
    assert.equal(buffer.stats.missingPackets, 2);
    const out = buffer.render(1440);
    assert.equal(out[960 * 2], Math.fround(2400 / 1e6), 'packet 5 follows packet 2 directly');
    assert.equal(buffer.stats.underruns, 0);
  });

  it('trims back to the target when too much stays piled up', () => {
    const buffer = new JitterBuffer({ targetMs: 40 }); // trims a floor above 40 + max(20, 20) = 60 ms
    let seq = 0;
    // 130 Hz: the audio after the cut is in opposite phase to the audio before it, the worst case for a click.
    for (; seq < 9; seq++) buffer.push(seq, 0, tone(seq * 480, 480, 130)); // 90 ms held
    const outs: Float32Array[] = [];
    // 10 ms in, 10 ms out: the level stays at 90 ms. The floor is known after 125 ms of playback.
    for (let i = 0; i < 12; i++) {
      outs.push(buffer.render(480));
      buffer.push(seq, 0, tone(seq * 480, 480, 130));
      seq++;
      assert.equal(buffer.stats.overflowDroppedFrames, 0, `not yet trimmed after ${(i + 1) * 10} ms`);
    }
    outs.push(buffer.render(480));
    assert.equal(buffer.stats.overflowDroppedFrames, (90 - 40) * 48, 'the excess the floor showed');
    assert.equal(buffer.bufferedMs, 40 - 10);
    assert.ok(largestStep(concat(outs)) < 0.05, 'crossfaded, not cut');
  });

  it('keeps the peak of late packets arriving together (a jittery link)', () => {
    const buffer = new JitterBuffer({ targetMs: 40 });
    let seq = 0;
    for (; seq < 6; seq++) buffer.push(seq, 0, tone(seq * 480, 480));
    // Each 100 ms: nothing for 50 ms (late packets), then those 5 packets and 5 more on time, together.
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 5; i++) buffer.render(480);
      for (let i = 0; i < 10; i++, seq++) buffer.push(seq, 0, tone(seq * 480, 480));
      for (let i = 0; i < 5; i++) buffer.render(480);
    }
    assert.equal(buffer.stats.overflowDroppedFrames, 0, 'a 110 ms peak over a 10 ms floor is not an excess');
    assert.equal(buffer.stats.underruns, 0);
  });

  it('enforces maxMs even when nothing renders', () => {
    const buffer = new JitterBuffer({ targetMs: 20, maxMs: 100 });
    for (let seq = 0; seq < 30; seq++) buffer.push(seq, 0, ramp(0, 480));
    assert.ok(buffer.bufferedMs <= 100);
    assert.ok(buffer.stats.overflowDroppedFrames > 0);
  });

  it('follows sequence numbers across the 2^32 wrap', () => {
    const buffer = new JitterBuffer({ targetMs: 10 });
    for (const seq of [2 ** 32 - 2, 2 ** 32 - 1, 0, 1]) buffer.push(seq, 0, ramp(0, 480));
    assert.equal(buffer.stats.missingPackets, 0);
    assert.equal(buffer.stats.lateDrops, 0);
    buffer.push(2 ** 32 - 1, 0, ramp(0, 480));
    buffer.push(3, 0, ramp(0, 480));
    assert.equal(buffer.stats.lateDrops, 1);
    assert.equal(buffer.stats.missingPackets, 1);
  });

  it('reports the capture time of the next frame to play', () => {
    const buffer = new JitterBuffer({ targetMs: 10 });
    assert.equal(buffer.playoutCaptureTimeMs(), undefined);
    buffer.push(0, 1000, ramp(0, 480));
    buffer.push(1, 1010, ramp(480, 960));
    assert.equal(buffer.playoutCaptureTimeMs(), 1000);
    buffer.render(240);
    assert.equal(buffer.playoutCaptureTimeMs(), 1005);
    buffer.render(480);
    assert.equal(buffer.playoutCaptureTimeMs(), 1015);
    buffer.render(720);
    assert.equal(buffer.playoutCaptureTimeMs(), undefined);
  });

  it('refuses bad options and bad packets', () => {
    for (const targetMs of [4, 2001, Number.NaN]) assert.throws(() => new JitterBuffer({ targetMs }), RangeError);
    assert.throws(() => new JitterBuffer({ targetMs: 100, maxMs: 50 }), RangeError);
    const buffer = new JitterBuffer({ targetMs: 50 });
    assert.throws(() => buffer.setTargetMs(1), RangeError);
    for (const seq of [-1, 2 ** 32, 1.5]) assert.throws(() => buffer.push(seq, 0, new Float32Array(2)), RangeError);
    assert.throws(() => buffer.push(0, 0, new Float32Array(3)), RangeError);
    assert.throws(() => buffer.render(-1), RangeError);
    buffer.setTargetMs(200);
    assert.equal(buffer.stats.targetMs, 200);
  });
});
