import assert from 'node:assert/strict';
import { isAuraError } from '../../src/core/errors.js';
import {
  decodeAudioBody,
  decodeJsonBody,
  encodeAudioFrame,
  encodeFrame,
  encodeJsonFrame,
  encodePing,
  FrameReader,
  FrameType,
  MAX_AUDIO_BODY_BYTES,
} from '../../src/core/v2-frames.js';

describe('v2 frames', () => {
  it('round-trips audio frames split at every byte boundary', () => {
    const payload = Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]);
    const wire = Buffer.concat([encodeAudioFrame(7, 1234.5, payload), encodeAudioFrame(0xffffffff, 99, payload)]);
    for (let cut = 0; cut <= wire.length; cut++) {
      const reader = new FrameReader();
      const frames = [...reader.push(wire.subarray(0, cut)), ...reader.push(wire.subarray(cut))];
      assert.equal(frames.length, 2);
      const first = decodeAudioBody((frames[0] as { body: Buffer }).body);
      assert.equal(first.seq, 7);
      assert.equal(first.captureTimeMs, 1234.5);
      assert.deepEqual([...first.payload], [...payload]);
      assert.equal(decodeAudioBody((frames[1] as { body: Buffer }).body).seq, 0xffffffff);
    }
  });

  it('rejects an unknown type from its header alone', () => {
    const reader = new FrameReader();
    assert.throws(() => reader.push(Buffer.from([0x7f, 0, 0, 0, 1])), (err) => isAuraError(err, 'ERR_PROTOCOL'));
  });

  it('rejects an oversized length before the body arrives, holding no more than the header', () => {
    const reader = new FrameReader();
    const header = Buffer.alloc(5);
    header.writeUInt8(FrameType.Audio, 0);
    header.writeUInt32BE(MAX_AUDIO_BODY_BYTES + 1, 1);
    assert.throws(() => reader.push(header), /bad length/);
    assert.equal(reader.bufferedBytes, 0);
  });

  it('rejects a ping of the wrong size and a truncated audio body', () => {
    assert.throws(() => new FrameReader().push(encodeFrame(FrameType.Ping, Buffer.alloc(4))), /bad length/);
    assert.throws(() => new FrameReader().push(encodeFrame(FrameType.Audio, Buffer.alloc(5))), /bad length/);
  });

  it('waits for a truncated frame without returning it', () => {
    const reader = new FrameReader();
    const wire = encodePing(42);
    assert.deepEqual(reader.push(wire.subarray(0, wire.length - 1)), []);
    assert.equal(reader.push(wire.subarray(wire.length - 1)).length, 1);
  });

  it('refuses garbage: a reader that failed stays failed', () => {
    const reader = new FrameReader();
    assert.throws(() => reader.push(Buffer.from('GET / HTTP/1.1\r\n\r\n')));
    assert.throws(() => reader.push(encodePing(1)), /already failed/);
  });

  it('decodes JSON control bodies and refuses non-objects', () => {
    const frame = new FrameReader().push(encodeJsonFrame(FrameType.Hello, { a: 1 }))[0];
    assert.deepEqual(decodeJsonBody((frame as { body: Buffer }).body), { a: 1 });
    assert.throws(() => decodeJsonBody(Buffer.from('[1]')), /not a JSON object/);
    assert.throws(() => decodeJsonBody(Buffer.from('{nope')), /not valid JSON/);
  });

  it('refuses an audio frame whose timestamp is not a number', () => {
    const body = Buffer.alloc(13);
    body.writeDoubleBE(Number.NaN, 4);
    assert.throws(() => decodeAudioBody(body), /bad timestamp/);
  });
});
