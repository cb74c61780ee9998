/**
 * Seeded, repeatable fuzzing of everything that reads bytes from the network (issue 7): the v2 frame reader,
 * the handshake parsers, audio bodies, the v1 packet reader, and a live HostSession whose well-behaved
 * listener must hear every packet while hostile peers feed it mutated and random bytes.
 */
import assert from 'node:assert/strict';
import { HostSession, REJOIN_GRACE_MS } from '../../src/app/host-session.js';
import { isAuraError } from '../../src/core/errors.js';
import { parseAuth, parseChallenge, parseHello, parseReject, parseWelcome } from '../../src/core/handshake.js';
import { ListenerAccess } from '../../src/core/listener-access.js';
import { encodeV1Packet, MAX_V1_PACKET_BYTES, V1PacketReader } from '../../src/core/v1-packets.js';
import {
  decodeAudioBody,
  decodeJsonBody,
  encodeAudioFrame,
  encodeJsonFrame,
  encodePing,
  encodePong,
  FRAME_HEADER_BYTES,
  FrameReader,
  FrameType,
  MAX_AUDIO_BODY_BYTES,
} from '../../src/core/v2-frames.js';
import { FakeAudioSource } from '../fakes/fake-audio-source.js';
import { FakeChannelServer } from '../fakes/fake-channel-server.js';
import { ManualClock } from '../fakes/manual-clock.js';
import { prng } from '../support/prng.js';

const validV2 = [
  encodeJsonFrame(FrameType.Hello, { protocol: 2, codecs: ['opus', 'pcm'], name: 'fuzz' }),
  encodeJsonFrame(FrameType.Welcome, { protocol: 2, codec: 'pcm', sampleRate: 48000, channels: 2, packetFrames: 480, hostName: 'h' }),
  encodeJsonFrame(FrameType.Reject, { code: 'full', reason: 'host is full' }),
  encodeAudioFrame(7, 1234.5, Buffer.alloc(64, 3)),
  encodePing(42),
  encodePong(42, 43),
  encodeJsonFrame(FrameType.Stats, { bufferedMs: 60, targetMs: 60, underruns: 0, missingPackets: 0 }),
  // The access-code handshake.
  encodeJsonFrame(FrameType.Hello, { protocol: 2, codecs: ['pcm'], name: 'fuzz', nonce: Buffer.alloc(16, 1).toString('base64') }),
  encodeJsonFrame(FrameType.Challenge, { salt: Buffer.alloc(16, 2).toString('base64'), nonce: Buffer.alloc(16, 3).toString('base64'), kdf: { N: 16384, r: 8, p: 1 } }),
  encodeJsonFrame(FrameType.Auth, { proof: Buffer.alloc(32, 4).toString('base64') }),
  encodeJsonFrame(FrameType.Welcome, {
    protocol: 2, codec: 'pcm', sampleRate: 48000, channels: 2, packetFrames: 240, hostName: 'h',
    encryption: { cipher: 'aes-256-gcm', streamSalt: Buffer.alloc(16, 5).toString('base64'), hostProof: Buffer.alloc(32, 6).toString('base64') },
  }),
];

/** One mutation of a valid stream: bit flips, truncation, splice, length edits, or pure garbage. */
function mutate(random: () => number, valid: readonly Buffer[]): Buffer {
  const pick = () => valid[Math.floor(random() * valid.length)] as Buffer;
  const base = Buffer.concat([pick(), pick(), pick()]);
  switch (Math.floor(random() * 6)) {
    case 0: {
      const out = Buffer.from(base);
      for (let i = 0; i < 1 + random() * 8; i++) {
        const at = Math.floor(random() * out.length);
        out[at] = (out[at] as number) ^ (1 << Math.floor(random() * 8));
      }
      return out;
    }
    case 1:
      return base.subarray(0, Math.floor(random() * base.length));
    case 2: {
      const cut = Math.floor(random() * base.length);
      return Buffer.concat([base.subarray(0, cut), pick().subarray(Math.floor(random() * 8))]);
    }
    case 3: {
      const out = Buffer.from(base);
      out.writeUInt32BE(Math.floor(random() * 2 ** 32), 1); // the first frame's length field
      return out;
    }
    case 4: {
      const out = Buffer.from(base);
      out[0] = Math.floor(random() * 256); // the first frame's type
      return out;
    }
    default:
      return Buffer.from(Array.from({ length: Math.floor(random() * 300) }, () => Math.floor(random() * 256)));
  }
}

/** Feeds `bytes` to `push` in random chunks; returns false once the parser refused them (with an AuraError only). */
function feedInChunks<T>(random: () => number, bytes: Buffer, push: (chunk: Buffer) => T[], onItem: (item: T) => void): void {
  let at = 0;
  while (at < bytes.length) {
    const size = 1 + Math.floor(random() * 64);
    for (const item of push(bytes.subarray(at, at + size))) onItem(item);
    at += size;
  }
}

function expectOnlyAuraErrors(run: () => void): void {
  try {
    run();
  } catch (err) {
    if (!isAuraError(err)) throw err;
  }
}

describe('fuzzing the wire parsers (seeded)', function () {
  this.timeout(120_000);

  it('v2 frame reader and control/audio parsers: 60 000 mutated streams, only clean refusals, bounded buffering', () => {
    const random = prng(20261123);
    let frames = 0;
    let refused = 0;
    for (let n = 0; n < 60_000; n++) {
      const reader = new FrameReader();
      const bytes = mutate(random, validV2);
      try {
        feedInChunks(random, bytes, (chunk) => reader.push(chunk), (frame) => {
          frames++;
          assert.ok(reader.bufferedBytes <= FRAME_HEADER_BYTES + MAX_AUDIO_BODY_BYTES);
          if (frame.type === FrameType.Audio) expectOnlyAuraErrors(() => decodeAudioBody(frame.body));
          else if (frame.type !== FrameType.Ping && frame.type !== FrameType.Pong) {
            expectOnlyAuraErrors(() => {
              const body = decodeJsonBody(frame.body);
              expectOnlyAuraErrors(() => parseHello(body));
              expectOnlyAuraErrors(() => parseWelcome(body));
              expectOnlyAuraErrors(() => parseChallenge(body));
              expectOnlyAuraErrors(() => parseAuth(body));
              parseReject(body);
            });
          }
        });
      } catch (err) {
        assert.ok(isAuraError(err, 'ERR_PROTOCOL'), `case ${n}: ${String(err)}`);
        refused++;
      }
      assert.ok(reader.bufferedBytes <= FRAME_HEADER_BYTES + MAX_AUDIO_BODY_BYTES, `case ${n} buffered ${reader.bufferedBytes}`);
    }
    assert.ok(frames > 10_000 && refused > 10_000, `exercised both paths: ${frames} frames, ${refused} refusals`);
  });

  it('v1 packet reader: 20 000 mutated streams, only clean refusals, only finite samples, never a packet over the limit', () => {
    const random = prng(44100);
    const valid = [encodeV1Packet(new Float32Array(2048).fill(0.25)), encodeV1Packet(new Float32Array(16).fill(-0.5))];
    let packets = 0;
    for (let n = 0; n < 20_000; n++) {
      const reader = new V1PacketReader();
      try {
        feedInChunks(random, mutate(random, valid), (chunk) => reader.push(chunk), (samples) => {
          packets++;
          assert.ok(samples.every((v) => Number.isFinite(v)));
          assert.ok(samples.length * 4 <= MAX_V1_PACKET_BYTES);
        });
      } catch (err) {
        assert.ok(isAuraError(err, 'ERR_PROTOCOL'), `case ${n}: ${String(err)}`);
      }
    }
    assert.ok(packets > 1000, `exercised the accept path: ${packets} packets`);
  });

  it('a live host: 20 000 hostile peers send mutated handshakes and frames; the good listener misses nothing', async () => {
    const clock = new ManualClock();
    const source = new FakeAudioSource();
    const server = new FakeChannelServer();
    const host = new HostSession({ source, server, clock, port: 0, codec: 'pcm', hostName: 'fuzzed', maxListeners: 100_000 });
    await host.start();
    const good = server.connect();
    const reader = new FrameReader();
    const seqs: number[] = [];
    good.onData((bytes) => {
      for (const frame of reader.push(bytes)) if (frame.type === FrameType.Audio) seqs.push(decodeAudioBody(frame.body).seq);
    });
    good.write(encodeJsonFrame(FrameType.Hello, { protocol: 2, codecs: ['pcm'], name: 'good' }));
    const random = prng(7);
    const flush = () => new Promise<void>((resolve) => setImmediate(resolve));
    let blocks = 0;
    for (let n = 0; n < 20_000; n++) {
      const hostile = server.connect();
      feedInChunks(random, mutate(random, validV2), (chunk) => (hostile.write(chunk), []), () => {});
      hostile.destroy();
      if (n % 20 === 0) {
        source.emit();
        blocks++;
        good.write(encodePing(n)); // the good listener stays alive
        await flush();
      }
    }
    await flush();
    assert.deepEqual(seqs, Array.from({ length: blocks }, (_, i) => i), 'every packet, in order, no gap');
    assert.equal(host.stats().listeners.filter((l) => l.name === 'good').length, 1);
    assert.ok(host.stats().listeners.filter((l) => !l.reconnecting).length <= 1, 'no hostile peer outlived its connection');
    clock.advance(REJOIN_GRACE_MS); // those that got in and vanished without a goodbye are told gone
    assert.deepEqual(host.stats().listeners.map((l) => l.name), ['good']);
    await host.stop();
  });

  it('a live host with an access code: 10 000 hostile peers (mutated handshakes and proofs); none gets in, the good listener misses nothing', async () => {
    const clock = new ManualClock();
    const source = new FakeAudioSource();
    const server = new FakeChannelServer();
    const code = 'K7QX-M2PD';
    const host = new HostSession({ source, server, clock, port: 0, codec: 'pcm', hostName: 'fuzzed', maxListeners: 100_000, accessCode: code });
    const refusals = new Set<string>();
    host.on((event) => event.type === 'refused' && refusals.add(event.reason.replace(/\d+ s$/, 'N s')));
    await host.start();
    const good = server.connect();
    const reader = new FrameReader();
    const access = new ListenerAccess(code);
    const seqs: number[] = [];
    good.onData((bytes) => {
      for (const frame of reader.push(bytes)) {
        if (frame.type === FrameType.Challenge) {
          const proof = access.answer(parseChallenge(decodeJsonBody(frame.body)));
          good.write(encodeJsonFrame(FrameType.Auth, { proof: proof.toString('base64') }));
        }
        if (frame.type === FrameType.Audio) seqs.push(decodeAudioBody(frame.body).seq);
      }
    });
    good.write(encodeJsonFrame(FrameType.Hello, { protocol: 2, codecs: ['pcm'], name: 'good', nonce: access.nonce.toString('base64') }));
    const random = prng(11);
    const flush = () => new Promise<void>((resolve) => setImmediate(resolve));
    await flush();
    let blocks = 0;
    for (let n = 0; n < 10_000; n++) {
      const hostile = server.connect();
      feedInChunks(random, mutate(random, validV2), (chunk) => (hostile.write(chunk), []), () => {});
      if (n % 20 === 0) {
        source.emit();
        blocks++;
        good.write(encodePing(n));
        await flush();
      }
      hostile.destroy();
    }
    await flush();
    assert.deepEqual(seqs, Array.from({ length: blocks }, (_, i) => i), 'every packet, in order, no gap');
    assert.deepEqual(host.stats().listeners.map((l) => l.name), ['good'], 'no hostile peer got in');
    for (const reason of ['wrong access code', 'too many wrong access codes; try again in N s']) assert.ok(refusals.has(reason), [...refusals].join('; '));
    await host.stop();
  });
});
