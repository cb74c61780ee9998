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

/** Pushes `packets` 10 ms ramp packets at a time into `buffer`, numbered, stamped and continuing in order. */
function rampFeeder(buffer: JitterBuffer): (packets: number) => void {
  let seq = 0;
  return (packets) => {
    for (let i = 0; i < packets; i++, seq++) buffer.push(seq, seq * 10, ramp(seq * 480, 480));
  };
}

describe('JitterBuffer', () => {
  it('stays silent until the target is held beyond the render, starts with just that, then plays every sample exactly', () => {
    const buffer = new JitterBuffer({ targetMs: 100 }); // 4800 frames
    let pushed = 0;
    let seq = 0;
    const push = (frames: number): void => {
      buffer.push(seq++, pushed / 48, ramp(pushed, frames));
      pushed += frames;
    };
    for (let i = 0; i < 10; i++) push(480);
    assert.ok(buffer.render(333).every((x) => x === 0), 'one arrival (it may be a backlog): still buffering');
    assert.equal(buffer.state, 'buffering');
    push(480);
    push(480); // a second arrival, of 960: 5760 held, 4800 + 333 + 960 / 2 needed, the oldest 147 skipped
    const first = buffer.render(333);
    assert.equal(buffer.state, 'playing');
    assert.equal(buffer.stats.startSkippedFrames, 147);
    assert.equal(buffer.bufferedMs * 48, 4800 + 480, 'holds its target and half an arrival after the render that started it');
    const played: Float32Array[] = [first];
    for (const frames of [333, 1, 777, 480, 1024, 5, 999, 250]) {
      while (buffer.bufferedMs * 48 < frames + 1000) push([480, 960, 1024][seq % 3] as number);
      played.push(buffer.render(frames));
      assert.equal(buffer.state, 'playing');
    }
    const out = concat(played);
    const expected = ramp(147, out.length / 2);
    assert.ok(Buffer.from(out.buffer).equals(Buffer.from(expected.buffer)), 'bit-exact continuity');
    assert.equal(buffer.stats.playedFrames, out.length / 2);
    assert.equal(buffer.stats.underruns, 0);
  });

  it('fades out on an underrun, counts it once, and re-buffers to the target', () => {
    const buffer = new JitterBuffer({ targetMs: 20 }); // 960 frames
    let frame = 0;
    let seq = 0;
    const push = (packets: number): void => {
      for (let i = 0; i < packets; i++, seq++, frame += 480) buffer.push(seq, 0, tone(frame, 480));
    };
    push(2);
    assert.ok(buffer.render(256).every((x) => x === 0), 'one arrival: still buffering');
    push(2);
    const out = [buffer.render(256)]; // the second arrival (960) starts it: 960 + 256 + 480 of the 1920 held
    assert.equal(buffer.state, 'playing');
    for (let i = 0; i < 6; i++) out.push(buffer.render(256)); // 1440 left, 1536 asked: runs dry in the 6th
    assert.equal(buffer.stats.underruns, 1);
    assert.equal(buffer.stats.concealedFrames, 6 * 256 - 1440, 'the part of the 6th render that had no audio');
    assert.equal(buffer.state, 'buffering');
    push(1);
    out.push(buffer.render(256));
    assert.ok(out[out.length - 1]?.every((x) => x === 0), 'silent while re-buffering');
    push(4);
    for (let i = 0; i < 3; i++) out.push(buffer.render(256));
    assert.equal(buffer.state, 'playing');
    assert.equal(buffer.stats.underruns, 1);
    assert.equal(buffer.stats.startSkippedFrames, 2 * 224, 'each start drops what it holds beyond its target, the render and half an arrival');
    // A 100 Hz tone at 0.8 moves at most 0.0105 per frame; fading out and back in may add a few % of full scale.
    const step = largestStep(concat(out));
    assert.ok(step < 0.03, `largest step ${step}`);
  });

  it('fades out without a click when the buffer is empty exactly at a render boundary', () => {
    const buffer = new JitterBuffer({ targetMs: 10 });
    buffer.push(0, 0, tone(0, 840));
    buffer.render(64);
    buffer.push(1, 0, tone(840, 480)); // starts with 480 + 600 + 240 held: all of it
    const out = [buffer.render(600), buffer.render(720), buffer.render(64), buffer.render(128), buffer.render(128)];
    assert.equal(buffer.stats.underruns, 1);
    assert.ok(Math.abs(out[1]?.[1438] as number) > 0.7, 'the audio ends loud');
    assert.ok(largestStep(concat(out)) < 0.03);
    assert.ok(out[4]?.every((x) => x === 0), 'then silence');
  });

  it('waits settleMs past the first arrival before a first start, skipping a backlog that came over several renders', () => {
    const buffer = new JitterBuffer({ targetMs: 10, settleMs: 20 }); // 480 frames; 960 frames of rendering
    const push = rampFeeder(buffer);
    // A backlog in three arrivals, each enough to start on without the wait, 240 frames rendered after each.
    let pushed = 0;
    for (const packets of [3, 1, 2]) {
      push(packets);
      pushed += packets;
      assert.ok(buffer.render(240).every((x) => x === 0), `${pushed} packets in: still settling`);
    }
    assert.equal(buffer.state, 'buffering');
    push(1); // the fourth render past the first arrival: 960 frames rendered; the stream's own pace, 480 at a time
    const first = buffer.render(240);
    assert.equal(buffer.state, 'playing');
    assert.equal(buffer.stats.startSkippedFrames, 7 * 480 - (480 + 240 + 240), 'all but the target, the render and half the last arrival');
    assert.equal(first[0], Math.fround((7 * 480 - 960) / 1e6), 'plays the newest audio');
    buffer.reset();
    push(3);
    buffer.render(240);
    push(1);
    buffer.render(240);
    assert.equal(buffer.state, 'buffering', 'a new connection settles again');
  });

  it('after an underrun starts again on the second arrival, without the settling wait', () => {
    const buffer = new JitterBuffer({ targetMs: 10, settleMs: 20 });
    const push = rampFeeder(buffer);
    push(1);
    for (let i = 0; i < 4; i++) buffer.render(240);
    push(2);
    buffer.render(240);
    assert.equal(buffer.state, 'playing');
    while (buffer.state === 'playing') buffer.render(240);
    assert.equal(buffer.stats.underruns, 1);
    push(2);
    buffer.render(240);
    push(1);
    buffer.render(240);
    assert.equal(buffer.state, 'playing');
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
    buffer.render(240);
    buffer.push(5, 40, ramp(2400, 480));
    assert.equal(buffer.stats.missingPackets, 2);
    assert.equal(buffer.render(720)[0], 0, 'starts with packet 1: 480 + 720 + 240 held');
    assert.equal(buffer.render(720)[240 * 2], Math.fround(2400 / 1e6), 'packet 5 follows packet 2 directly');
    assert.equal(buffer.stats.underruns, 0);
  });

  it('trims back to the target when too much stays piled up', () => {
    const buffer = new JitterBuffer({ targetMs: 40 }); // trims a floor above 40 + max(20, 20) = 60 ms
    let seq = 0;
    // 130 Hz: the audio after the cut is in opposite phase to the audio before it, the worst case for a click.
    const push = (): void => {
      buffer.push(seq, 0, tone(seq * 480, 480, 130));
      seq++;
    };
    for (let i = 0; i < 4; i++) push();
    buffer.render(480);
    for (let i = 0; i < 2; i++) push();
    const outs = [buffer.render(480)]; // starts with 40 + 10 + 10 ms: 50 ms held after it
    for (let i = 0; i < 4; i++) push(); // a burst: 90 ms held
    // 10 ms in, 10 ms out: the level stays at 90 ms. The floor is the lowest level of two 125 ms half windows of
    // playback, the first of which saw the start (60 ms): so the excess shows after the second.
    for (let i = 0; i < 24; i++) {
      outs.push(buffer.render(480));
      push();
      assert.equal(buffer.stats.overflowDroppedFrames, 0, `not yet trimmed after ${(i + 2) * 10} ms`);
    }
    outs.push(buffer.render(480));
    assert.equal(buffer.stats.overflowDroppedFrames, (90 - 40) * 48, 'the excess the floor showed');
    assert.equal(buffer.bufferedMs, 40 - 10);
    assert.ok(largestStep(concat(outs)) < 0.05, 'crossfaded, not cut');
  });

  it('keeps the peak of late packets arriving together (a jittery link)', () => {
    const buffer = new JitterBuffer({ targetMs: 40 });
    let seq = 0;
    for (; seq < 4; seq++) buffer.push(seq, 0, tone(seq * 480, 480));
    buffer.render(480);
    for (; seq < 6; seq++) buffer.push(seq, 0, tone(seq * 480, 480));
    buffer.render(480); // starts with 40 + 10 + 10 ms, 50 held after it
    for (; seq < 7; seq++) buffer.push(seq, 0, tone(seq * 480, 480)); // 60 ms
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
    assert.equal(buffer.playoutCaptureTimeMs(), 1000);
    buffer.render(240);
    buffer.push(1, 1010, ramp(480, 960));
    buffer.render(480); // starts with 480 + 480 + 480 held: all of it
    assert.equal(buffer.playoutCaptureTimeMs(), 1010);
    buffer.render(240);
    assert.equal(buffer.playoutCaptureTimeMs(), 1015);
    buffer.render(720);
    assert.equal(buffer.playoutCaptureTimeMs(), undefined);
  });

  it('refuses bad options and bad packets', () => {
    for (const targetMs of [4, 2001, Number.NaN]) assert.throws(() => new JitterBuffer({ targetMs }), RangeError);
    assert.throws(() => new JitterBuffer({ targetMs: 100, maxMs: 50 }), RangeError);
    for (const settleMs of [-1, 1001, Number.NaN]) assert.throws(() => new JitterBuffer({ targetMs: 100, settleMs }), RangeError);
    const buffer = new JitterBuffer({ targetMs: 50 });
    assert.throws(() => buffer.setTargetMs(1), RangeError);
    for (const seq of [-1, 2 ** 32, 1.5]) assert.throws(() => buffer.push(seq, 0, new Float32Array(2)), RangeError);
    assert.throws(() => buffer.push(0, 0, new Float32Array(3)), RangeError);
    assert.throws(() => buffer.render(-1), RangeError);
    buffer.setTargetMs(200);
    assert.equal(buffer.stats.targetMs, 200);
  });
});
