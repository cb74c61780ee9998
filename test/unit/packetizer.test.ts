import assert from 'node:assert/strict';
import { Packetizer } from '../../src/core/packetizer.js';

describe('packetizer', () => {
  it('re-chunks 480-frame blocks into 960-frame packets, keeping order and capture times', () => {
    const packetizer = new Packetizer(960);
    const block = (t: number, start: number) => ({ samples: new Float32Array(960).map((_, i) => start + i), captureTimeMs: t });
    assert.equal(packetizer.push(block(0, 0)).length, 0);
    const [packet] = packetizer.push(block(10, 960));
    assert.ok(packet);
    assert.equal(packet.captureTimeMs, 0);
    assert.equal(packet.samples.length, 1920);
    assert.equal(packet.samples[1919], 1919);
  });

  it('stamps a packet starting mid-block with that frame\'s time', () => {
    const packetizer = new Packetizer(300);
    const out = packetizer.push({ samples: new Float32Array(960), captureTimeMs: 100 });
    assert.equal(out.length, 1);
    const next = packetizer.push({ samples: new Float32Array(960), captureTimeMs: 110 });
    assert.equal(next[0]?.captureTimeMs, 100 + (300 * 1000) / 48000);
  });
});
