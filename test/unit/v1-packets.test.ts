import assert from 'node:assert/strict';
import { encodeV1Packet, MAX_V1_PACKET_BYTES, V1PacketReader } from '../../src/core/v1-packets.js';

describe('v1 packets', () => {
  it('is a 4-byte big-endian length then float32 LE samples', () => {
    const samples = new Float32Array([0.5, -0.25, 1, -1]);
    const wire = encodeV1Packet(samples);
    assert.equal(wire.readUInt32BE(0), 16);
    assert.equal(wire.readFloatLE(4), 0.5);
    assert.equal(wire.readFloatLE(16), -1);
  });

  it('reassembles packets split anywhere', () => {
    const a = new Float32Array(2048).map((_, i) => Math.sin(i / 10));
    const wire = Buffer.concat([encodeV1Packet(a), encodeV1Packet(a)]);
    const reader = new V1PacketReader();
    const out = [...reader.push(wire.subarray(0, 3)), ...reader.push(wire.subarray(3, 5000)), ...reader.push(wire.subarray(5000))];
    assert.equal(out.length, 2);
    assert.deepEqual([...(out[1] as Float32Array)], [...a]);
  });

  it('refuses lengths that are zero, not whole stereo frames, or huge', () => {
    for (const length of [0, 12, MAX_V1_PACKET_BYTES + 8]) {
      const header = Buffer.alloc(4);
      header.writeUInt32BE(length, 0);
      assert.throws(() => new V1PacketReader().push(header), /not an AuraLync v1 stream/);
    }
  });

  it('turns non-finite samples into silence', () => {
    const wire = encodeV1Packet(new Float32Array([Number.NaN, Number.POSITIVE_INFINITY]));
    assert.deepEqual([...(new V1PacketReader().push(wire)[0] as Float32Array)], [0, 0]);
  });
});
