import assert from 'node:assert/strict';
import { isAuraError } from '../../src/core/errors.js';
import {
  bytesPerSample, decodePcm, encodeF32, encodeS16, parseWavHeader, toStereo, wavHeader, type WavInfo,
} from '../../src/core/wav-format.js';

function parsed(bytes: Uint8Array): WavInfo {
  const info = parseWavHeader(bytes);
  assert.notEqual(info, 'need-more');
  return info as WavInfo;
}

/** A RIFF chunk: id, little-endian size, body, and the pad byte odd sizes need. */
function chunk(id: string, body: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.write(id, 0, 'latin1');
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body, Buffer.alloc(body.length % 2)]);
}

/** A classic 16-byte fmt body. */
function fmtBody(tag: number, channels: number, rate: number, bits: number): Buffer {
  const body = Buffer.alloc(16);
  body.writeUInt16LE(tag, 0);
  body.writeUInt16LE(channels, 2);
  body.writeUInt32LE(rate, 4);
  body.writeUInt32LE((rate * channels * bits) / 8, 8);
  body.writeUInt16LE((channels * bits) / 8, 12);
  body.writeUInt16LE(bits, 14);
  return body;
}

function riff(...chunks: Buffer[]): Buffer {
  const body = Buffer.concat([Buffer.from('WAVE', 'latin1'), ...chunks]);
  const head = Buffer.alloc(8);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body]);
}

function assertBadFile(bytes: Uint8Array, pattern: RegExp): void {
  assert.throws(() => parseWavHeader(bytes), (err: unknown) => {
    assert.ok(isAuraError(err, 'ERR_BAD_AUDIO_FILE'), String(err));
    assert.match(err.message, pattern);
    assert.ok(!err.message.includes('\n'), 'one line');
    return true;
  });
}

describe('WAV format', () => {
  it('round-trips 16-bit and float files through header and samples', () => {
    const samples = Float32Array.from([0, 0.5, -0.5, -1, 32767 / 32768, 1 / 32768]);
    const s16 = encodeS16(samples);
    const file16 = Buffer.concat([wavHeader({ sampleRate: 44_100, channels: 2, sampleFormat: 's16', dataBytes: s16.length }), s16]);
    assert.deepEqual(parsed(file16), { sampleRate: 44_100, channels: 2, sampleFormat: 's16', dataOffset: 44, dataBytes: 12 });
    assert.deepEqual(decodePcm(file16.subarray(44), 's16'), samples);

    const noisy = Float32Array.from([0.1, -0.7, 1.5, -3e-8, 0.999]);
    const f32 = encodeF32(noisy);
    const fileF32 = Buffer.concat([wavHeader({ sampleRate: 48_000, channels: 1, sampleFormat: 'f32', dataBytes: f32.length }), f32]);
    assert.equal(fileF32.readUInt16LE(20), 3, 'IEEE float format tag');
    assert.deepEqual(parsed(fileF32), { sampleRate: 48_000, channels: 1, sampleFormat: 'f32', dataOffset: 44, dataBytes: 20 });
    assert.deepEqual(decodePcm(fileF32.subarray(44), 'f32'), noisy);
  });

  it('decodes and re-encodes every 16-bit value bit-exactly', () => {
    const all = Buffer.alloc(65536 * 2);
    for (let v = -32768; v < 32768; v++) all.writeInt16LE(v, (v + 32768) * 2);
    const decoded = decodePcm(all, 's16');
    assert.equal(decoded[0], -1);
    assert.equal(decoded[65535], 32767 / 32768);
    assert.ok(encodeS16(decoded).equals(all));
  });

  it('rounds to nearest and clamps when encoding 16-bit', () => {
    const out = encodeS16(Float32Array.from([1, -1, 2, -2, Number.NaN, 0.4 / 32768, 0.6 / 32768, -0.6 / 32768]));
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7].map((i) => out.readInt16LE(i * 2)), [32767, -32768, 32767, -32768, 0, 0, 1, -1]);
  });

  it('reads 24- and 32-bit integers, written as WAVE_FORMAT_EXTENSIBLE', () => {
    const header24 = wavHeader({ sampleRate: 96_000, channels: 2, sampleFormat: 's24', dataBytes: 6 });
    assert.equal(header24.length, 68);
    assert.equal(header24.readUInt16LE(20), 0xfffe);
    assert.deepEqual(parsed(header24), { sampleRate: 96_000, channels: 2, sampleFormat: 's24', dataOffset: 68, dataBytes: 6 });
    assert.deepEqual(decodePcm(Uint8Array.from([0xff, 0xff, 0x7f, 0x00, 0x00, 0x80, 0xff]), 's24'), Float32Array.from([8388607 / 8388608, -1]));
    assert.equal(parsed(wavHeader({ sampleRate: 48_000, channels: 2, sampleFormat: 's32', dataBytes: 0 })).sampleFormat, 's32');
    assert.deepEqual(decodePcm(Uint8Array.from([0, 0, 0, 0x80, 0, 0, 0, 0x40]), 's32'), Float32Array.from([-1, 0.5]));
    assert.equal(bytesPerSample('s24'), 3);
  });

  it('reads an extensible float file with six channels, and takes its first two', () => {
    const header = wavHeader({ sampleRate: 48_000, channels: 6, sampleFormat: 'f32', dataBytes: 48 });
    const info = parsed(header);
    assert.deepEqual(info, { sampleRate: 48_000, channels: 6, sampleFormat: 'f32', dataOffset: 68, dataBytes: 48 });
    const frames = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((x) => x / 16));
    assert.deepEqual(toStereo(decodePcm(encodeF32(frames), info.sampleFormat), info.channels), Float32Array.from([1, 2, 7, 8].map((x) => x / 16)));
    assert.deepEqual(toStereo(Float32Array.from([0.25, -0.5]), 1), Float32Array.from([0.25, 0.25, -0.5, -0.5]));
  });

  it('skips unknown chunks (odd-sized ones padded) before and after fmt', () => {
    const file = riff(
      chunk('JUNK', Buffer.alloc(27)),
      chunk('fmt ', fmtBody(1, 2, 44_100, 16)),
      chunk('LIST', Buffer.from('INFOISFT\x05\x00\x00\x00test\x00', 'latin1')),
      chunk('data', Buffer.alloc(8)),
    );
    const info = parsed(file);
    assert.equal(info.dataOffset, file.length - 8);
    assert.equal(info.dataBytes, 8);
  });

  it("asks for more bytes while the header is incomplete, and marks a stream's length unknown", () => {
    const file = wavHeader({ sampleRate: 48_000, channels: 2, sampleFormat: 's16', dataBytes: undefined });
    for (let length = 0; length < file.length; length++) assert.equal(parseWavHeader(file.subarray(0, length)), 'need-more');
    assert.equal(parsed(file).dataBytes, undefined);
    assert.equal(file.readUInt32LE(40), 0xffffffff);
  });

  it('refuses what is not a WAV it can play, with ERR_BAD_AUDIO_FILE', () => {
    assertBadFile(Buffer.from('ID3\x04\x00\x00\x00\x00\x00\x00\x00\x00', 'latin1'), /not a WAV/);
    assertBadFile(Buffer.from('RIFF\x00\x00\x00\x00AVI LIST', 'latin1'), /not a WAV/);
    assertBadFile(riff(chunk('fmt ', fmtBody(1, 2, 44_100, 8)), chunk('data', Buffer.alloc(0))), /8-bit/);
    assertBadFile(riff(chunk('fmt ', fmtBody(2, 2, 44_100, 4)), chunk('data', Buffer.alloc(0))), /format tag 0x2/);
    assertBadFile(riff(chunk('fmt ', fmtBody(1, 0, 44_100, 16)), chunk('data', Buffer.alloc(0))), /0 channels/);
    assertBadFile(riff(chunk('fmt ', fmtBody(1, 2, 10, 16)), chunk('data', Buffer.alloc(0))), /sample rate/);
    assertBadFile(riff(chunk('fmt ', fmtBody(1, 2, 10_000_000, 16)), chunk('data', Buffer.alloc(0))), /sample rate/);
    assertBadFile(riff(chunk('data', Buffer.alloc(4)), chunk('fmt ', fmtBody(1, 2, 44_100, 16))), /before/);
    const unknownGuid = wavHeader({ sampleRate: 48_000, channels: 2, sampleFormat: 's24', dataBytes: 0 });
    unknownGuid[50] = 0x42;
    assertBadFile(unknownGuid, /sub-format/);
  });

  it('decodes only whole samples, leaving a partial one to the caller', () => {
    assert.equal(decodePcm(new Uint8Array(7), 's16').length, 3);
    assert.equal(decodePcm(new Uint8Array(7), 's24').length, 2);
    assert.equal(decodePcm(new Uint8Array(7), 'f32').length, 1);
  });
});
