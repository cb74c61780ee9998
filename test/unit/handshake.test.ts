import assert from 'node:assert/strict';
import { cleanName, MAX_TWIN_SLOTS, negotiate, parseHello, parseWelcome } from '../../src/core/handshake.js';

describe('handshake', () => {
  it('gives the host its preferred codec when the listener has it', () => {
    assert.deepEqual(negotiate({ protocol: 2, codecs: ['pcm', 'opus'], name: 'a' }, 'opus'), { codec: 'opus' });
  });

  it('falls back to a shared codec, and rejects when none is shared', () => {
    assert.deepEqual(negotiate({ protocol: 2, codecs: ['pcm'], name: 'a' }, 'opus'), { codec: 'pcm' });
    const outcome = negotiate({ protocol: 2, codecs: [], name: 'a' }, 'opus');
    assert.ok('reject' in outcome && outcome.reject.code === 'no-common-codec');
  });

  it('rejects another protocol version with a reason', () => {
    const outcome = negotiate({ protocol: 3, codecs: ['pcm'], name: 'a' }, 'pcm');
    assert.ok('reject' in outcome && /protocol/.test(outcome.reject.reason));
  });

  it('validates hellos and ignores unknown codecs', () => {
    assert.deepEqual(parseHello({ protocol: 2, codecs: ['flac', 'pcm'], name: 'Ann' }).codecs, ['pcm']);
    assert.throws(() => parseHello({ codecs: [] }), /protocol/);
    assert.throws(() => parseHello({ protocol: 2, codecs: 'pcm' }), /codec/);
  });

  it('reads the twin fields, and refuses a twin token that is not 16 bytes or a slot out of range', () => {
    const token = Buffer.alloc(16, 3).toString('base64');
    assert.equal(parseHello({ protocol: 2, codecs: ['pcm'], name: 'Ann', twins: true }).twins, true);
    assert.equal(parseHello({ protocol: 2, codecs: ['pcm'], name: 'Ann', twins: 'yes' }).twins, false);
    assert.deepEqual(parseHello({ protocol: 2, codecs: ['pcm'], name: 'Ann', twinOf: token }).twinOf, Buffer.alloc(16, 3));
    assert.throws(() => parseHello({ protocol: 2, codecs: ['pcm'], twinOf: 'c2hvcnQ=' }), /twin token/);
    const welcome = { protocol: 2, codec: 'pcm', sampleRate: 48000, channels: 2, packetFrames: 240, hostName: 'h' };
    assert.deepEqual(parseWelcome({ ...welcome, twinToken: token }).twinToken, Buffer.alloc(16, 3));
    assert.equal(parseWelcome({ ...welcome, twin: true }).twin, true);
    assert.equal(parseWelcome({ ...welcome, twinSlots: 2 }).twinSlots, 2);
    assert.equal(parseWelcome(welcome).twinSlots, undefined, 'absent from older hosts: the listener takes one');
    for (const bad of [0, 1.5, MAX_TWIN_SLOTS + 1, '2']) assert.throws(() => parseWelcome({ ...welcome, twinSlots: bad }), /twin slot count/);
    assert.equal(parseHello({ protocol: 2, codecs: ['pcm'], twinOf: token, twinSlot: 1 }).twinSlot, 1);
    for (const bad of [-1, MAX_TWIN_SLOTS, 0.5]) assert.throws(() => parseHello({ protocol: 2, codecs: ['pcm'], twinOf: token, twinSlot: bad }), /twin slot/);
    assert.throws(() => parseWelcome({ ...welcome, twinToken: 42 }), /twin token/);
  });

  it('reads the resume fields, and refuses a resume token that is not 16 bytes', () => {
    const token = Buffer.alloc(16, 5).toString('base64');
    assert.deepEqual(parseHello({ protocol: 2, codecs: ['pcm'], name: 'Ann', resumes: token }).resumes, Buffer.alloc(16, 5));
    assert.equal(parseHello({ protocol: 2, codecs: ['pcm'], name: 'Ann' }).resumes, undefined);
    assert.throws(() => parseHello({ protocol: 2, codecs: ['pcm'], resumes: 'c2hvcnQ=' }), /resume token/);
    const welcome = { protocol: 2, codec: 'pcm', sampleRate: 48000, channels: 2, packetFrames: 240, hostName: 'h' };
    assert.deepEqual(parseWelcome({ ...welcome, resumeToken: token }).resumeToken, Buffer.alloc(16, 5));
    assert.equal(parseWelcome(welcome).resumeToken, undefined, 'a host from before resume tokens');
    assert.throws(() => parseWelcome({ ...welcome, resumeToken: [1, 2] }), /resume token/);
  });

  it('refuses a welcome for a format this build cannot play', () => {
    const good = { protocol: 2, codec: 'pcm', sampleRate: 48000, channels: 2, packetFrames: 480, hostName: 'h' };
    assert.equal(parseWelcome(good).codec, 'pcm');
    assert.throws(() => parseWelcome({ ...good, sampleRate: 44100 }), /48000/);
    assert.throws(() => parseWelcome({ ...good, packetFrames: -1 }), /packet size/);
  });

  it("reads the host's codec delay, absent from older hosts, and refuses a bad one", () => {
    const good = { protocol: 2, codec: 'opus', sampleRate: 48000, channels: 2, packetFrames: 480, hostName: 'h' };
    assert.equal(parseWelcome({ ...good, codecDelayFrames: 120 }).codecDelayFrames, 120);
    assert.equal(parseWelcome(good).codecDelayFrames, undefined);
    for (const bad of [-1, 1.5, '120', 100_000]) assert.throws(() => parseWelcome({ ...good, codecDelayFrames: bad }), /codec delay/);
  });

  it('cleans names of control characters and length', () => {
    assert.equal(cleanName('a\u0000b\nc', 'x'), 'abc');
    assert.equal(cleanName('   ', 'x'), 'x');
    assert.equal(cleanName('y'.repeat(200), 'x').length, 64);
    assert.equal(cleanName(42, 'x'), 'x');
  });
});
