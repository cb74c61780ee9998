import assert from 'node:assert/strict';
import { HostSession, REJOIN_GRACE_MS, type HostEvent } from '../../src/app/host-session.js';
import { DEFAULT_PEER_TIMINGS, HOST_TWIN_SLOTS } from '../../src/app/host-peer.js';
import { BLOCK_FRAMES, framesToMs } from '../../src/core/audio-format.js';
import { parseChallenge, parseWelcome } from '../../src/core/handshake.js';
import { ListenerAccess } from '../../src/core/listener-access.js';
import type { GuessLimits } from '../../src/core/guess-limiter.js';
import { AUDIO_HEADER_BYTES, decodeAudioBody, decodeJsonBody, encodeJsonFrame, encodePing, FrameReader, FrameType, type Frame } from '../../src/core/v2-frames.js';
import { V1PacketReader } from '../../src/core/v1-packets.js';
import { FakeAudioSource } from '../fakes/fake-audio-source.js';
import { FakeChannelServer } from '../fakes/fake-channel-server.js';
import { ManualClock } from '../fakes/manual-clock.js';
import type { MemoryChannel } from '../fakes/memory-channel.js';

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

async function makeHost(options: { maxListeners?: number; maxV1Listeners?: number; accessCode?: string; guessLimits?: GuessLimits } = {}) {
  const clock = new ManualClock();
  const source = new FakeAudioSource();
  const server = new FakeChannelServer();
  const events: HostEvent[] = [];
  const host = new HostSession({ source, server, clock, port: 0, codec: 'pcm', hostName: 'test host', maxQueueMs: 200, ...options });
  host.on((event) => events.push(event));
  await host.start();
  return { clock, source, server, events, host };
}

/** The leaves among a host's events, in order. */
function leavesIn(events: readonly HostEvent[]): Extract<HostEvent, { type: 'listener-left' }>[] {
  return events.filter((e): e is Extract<HostEvent, { type: 'listener-left' }> => e.type === 'listener-left');
}

/** The Welcome among `frames`, parsed; undefined if none came. */
function welcomeIn(frames: readonly Frame[]) {
  const frame = frames.find((f) => f.type === FrameType.Welcome);
  return frame === undefined ? undefined : parseWelcome(decodeJsonBody(frame.body));
}

/** The code of the Reject among `frames`; undefined if none came. */
function rejectCodeIn(frames: readonly Frame[]): string | undefined {
  const reject = frames.find((f) => f.type === FrameType.Reject);
  return reject === undefined ? undefined : String(decodeJsonBody(reject.body).code);
}

/** A v2 client whose Hello adds `fields` (twins, twinOf, resumes...): collects frames the host sends. */
function v2Client(channel: MemoryChannel, name = 'ann', fields: Record<string, unknown> = {}) {
  const reader = new FrameReader();
  const frames: Frame[] = [];
  channel.onData((bytes) => frames.push(...reader.push(bytes)));
  channel.write(encodeJsonFrame(FrameType.Hello, { protocol: 2, codecs: ['pcm'], name, ...fields }));
  return {
    frames,
    welcome: () => welcomeIn(frames),
    rejectCode: () => rejectCodeIn(frames),
    audioSeqs: () => frames.filter((f) => f.type === FrameType.Audio).map((f) => decodeAudioBody(f.body).seq),
  };
}

/** A v2 client that answers the access-code challenge with `code` and decrypts the audio it gets. */
function codeClient(channel: MemoryChannel, code: string | undefined, name = 'cody', fields: Record<string, unknown> = {}) {
  const reader = new FrameReader();
  const frames: Frame[] = [];
  const access = new ListenerAccess(code);
  const plain: Buffer[] = [];
  let cipher: ReturnType<ListenerAccess['cipherFor']>;
  channel.onData((bytes) => {
    for (const frame of reader.push(bytes)) {
      frames.push(frame);
      if (frame.type === FrameType.Challenge && code !== undefined) {
        const proof = access.answer(parseChallenge(decodeJsonBody(frame.body)));
        channel.write(encodeJsonFrame(FrameType.Auth, { proof: proof.toString('base64') }));
      }
      if (frame.type === FrameType.Welcome) cipher = access.cipherFor(parseWelcome(decodeJsonBody(frame.body)));
      if (frame.type === FrameType.Audio) {
        const packet = decodeAudioBody(frame.body);
        plain.push(cipher ? cipher.open(frame.body.subarray(0, AUDIO_HEADER_BYTES), packet.payload) : packet.payload);
      }
    }
  });
  channel.write(encodeJsonFrame(FrameType.Hello, { protocol: 2, codecs: ['pcm'], name, nonce: access.nonce.toString('base64'), ...fields }));
  const types = () => frames.map((f) => f.type);
  const rejectCode = () => rejectCodeIn(frames);
  return { frames, plain, types, rejectCode, audioFrames: () => frames.filter((f) => f.type === FrameType.Audio) };
}

describe('host session', () => {
  it('welcomes a v2 listener and streams numbered audio', async () => {
    const { source, server, events } = await makeHost();
    const client = v2Client(server.connect());
    await flush();
    assert.equal(client.frames[0]?.type, FrameType.Welcome);
    assert.equal(decodeJsonBody((client.frames[0] as Frame).body).codec, 'pcm');
    assert.equal(decodeJsonBody((client.frames[0] as Frame).body).codecDelayFrames, 0, 'PCM sounds as stamped');
    for (let i = 0; i < 5; i++) source.emit();
    await flush();
    assert.deepEqual(client.audioSeqs(), [0, 1, 2, 3, 4]);
    assert.ok(events.some((e) => e.type === 'listener-joined' && e.name === 'ann'));
  });

  it('sends the v1 stream to a client that says nothing', async () => {
    const { source, server, clock } = await makeHost();
    const channel = server.connect();
    const reader = new V1PacketReader();
    const packets: Float32Array[] = [];
    channel.onData((bytes) => packets.push(...reader.push(bytes)));
    clock.advance(DEFAULT_PEER_TIMINGS.v1SniffMs + 1);
    for (let i = 0; i < 20; i++) source.emit();
    await flush();
    assert.ok(packets.length >= 3, `got ${packets.length} v1 packets`);
    assert.ok(packets.every((p) => p.length === 2048), 'each v1 packet is 1024 stereo frames');
  });

  it('drops only the stalled listener\'s stale audio: the others get every packet', async () => {
    const { source, server, host } = await makeHost();
    const good = [v2Client(server.connect(), 'a'), v2Client(server.connect(), 'b')];
    v2Client(server.connect(20_000), 'slow');
    await flush();
    for (let i = 0; i < 1000; i++) {
      source.emit();
      if (i % 10 === 0) await flush();
    }
    await flush();
    for (const client of good) assert.deepEqual(client.audioSeqs(), Array.from({ length: 1000 }, (_, i) => i));
    const slow = host.stats().listeners.find((l) => l.name === 'slow');
    assert.ok(slow, 'the slow listener is still listed');
    const packetsIn200Ms = 200 / framesToMs(BLOCK_FRAMES);
    assert.ok(slow.queuedFrames <= packetsIn200Ms, `queue bounded at 200 ms of audio (${packetsIn200Ms} packets), holds ${slow.queuedFrames}`);
    assert.ok(slow.droppedFrames > 900, `dropped ${slow.droppedFrames}`);
    assert.equal(host.stats().listeners.find((l) => l.name === 'a')?.droppedFrames, 0);
  });

  it('removes a listener whose writes stall, and one that goes silent', async () => {
    const { source, server, clock, events, host } = await makeHost();
    const quiet = v2Client(server.connect(), 'quiet');
    v2Client(server.connect(1000), 'stuck');
    await flush();
    for (let i = 0; i < 10; i++) source.emit();
    await flush();
    clock.advance(DEFAULT_PEER_TIMINGS.stallMs + 600);
    const left = () => leavesIn(events).map((e) => e.name);
    assert.deepEqual(left(), [], 'both removed; neither said goodbye, so each has REJOIN_GRACE_MS to come back');
    assert.deepEqual(host.stats().listeners.map((l) => l.reconnecting), [true, true], 'listed as reconnecting meanwhile');
    clock.advance(REJOIN_GRACE_MS);
    assert.deepEqual(left().sort(), ['quiet', 'stuck']);
    assert.equal(host.stats().listeners.length, 0);
    assert.ok(quiet.frames.length > 0);
  });

  it('keeps a listener that pings, and answers each ping with a pong', async () => {
    const { server, clock, events } = await makeHost();
    const channel = server.connect();
    const client = v2Client(channel);
    for (let t = 0; t < 10; t++) {
      clock.advance(1000);
      channel.write(encodePing(t));
      await flush();
    }
    assert.equal(events.filter((e) => e.type === 'listener-left').length, 0);
    assert.equal(client.frames.filter((f) => f.type === FrameType.Pong).length, 10);
  });

  it('closes only the peer that sends garbage', async () => {
    const { source, server, events } = await makeHost();
    const good = v2Client(server.connect(), 'good');
    const bad = server.connect();
    bad.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    await flush();
    assert.equal(bad.closed, true);
    source.emit();
    await flush();
    assert.deepEqual(good.audioSeqs(), [0]);
    assert.equal(events.filter((e) => e.type === 'listener-left').length, 0, 'a peer that never joined is not announced as leaving');
  });

  it('refuses listeners beyond the maximum with a reason', async () => {
    const { server } = await makeHost({ maxListeners: 1 });
    v2Client(server.connect(), 'first');
    const second = v2Client(server.connect(), 'second');
    await flush();
    assert.equal(second.frames[0]?.type, FrameType.Reject);
    assert.match(String(decodeJsonBody((second.frames[0] as Frame).body).reason), /full/);
  });

  it('stops cleanly twice and says goodbye', async () => {
    const { server, host, source } = await makeHost();
    const client = v2Client(server.connect());
    await flush();
    const stopping = host.stop();
    await Promise.all([stopping, host.stop()]);
    assert.equal(source.stopped, true);
    assert.equal(server.closed, true);
    assert.ok(client.frames.some((f) => f.type === FrameType.Bye));
  });

  describe('with an access code', () => {
    const CODE = 'K7QX-M2PD';

    it('challenges, admits a listener that knows the code, and encrypts its audio', async () => {
      const { source, server, events } = await makeHost({ accessCode: CODE });
      const client = codeClient(server.connect(), 'k7qx m2pd');
      await flush();
      assert.deepEqual(client.types().slice(0, 2), [FrameType.Challenge, FrameType.Welcome]);
      for (let i = 0; i < 3; i++) source.emit();
      await flush();
      assert.equal(client.plain.length, 3);
      for (const [i, frame] of client.audioFrames().entries()) {
        const sealed = decodeAudioBody(frame.body).payload;
        assert.equal(sealed.length, (client.plain[i] as Buffer).length + 16, 'payload + GCM tag');
        assert.ok(!sealed.subarray(0, 64).equals((client.plain[i] as Buffer).subarray(0, 64)), 'the wire does not carry the PCM');
      }
      assert.ok(events.some((e) => e.type === 'listener-joined' && e.name === 'cody'));
    });

    it('rejects a wrong code with a reason and sends it no audio', async () => {
      const { source, server, events } = await makeHost({ accessCode: CODE });
      const channel = server.connect();
      const client = codeClient(channel, 'K7QX-M2PE');
      await flush();
      for (let i = 0; i < 3; i++) source.emit();
      await flush();
      assert.equal(client.rejectCode(), 'bad-code');
      assert.equal(client.audioFrames().length, 0);
      assert.equal(channel.closed, true);
      assert.ok(events.some((e) => e.type === 'refused' && /wrong access code/.test(e.reason)));
      assert.ok(!events.some((e) => e.type === 'listener-joined'));
    });

    it('rejects a listener too old to know codes (no nonce), and never sends a v1 client a byte', async () => {
      const { source, server, clock, events } = await makeHost({ accessCode: CODE });
      const old = v2Client(server.connect(), 'old');
      const v1 = server.connect();
      const v1Bytes: Buffer[] = [];
      v1.onData((bytes) => v1Bytes.push(bytes));
      await flush();
      clock.advance(DEFAULT_PEER_TIMINGS.v1SniffMs + 1);
      for (let i = 0; i < 10; i++) source.emit();
      await flush();
      assert.equal(old.frames[0]?.type, FrameType.Reject);
      assert.equal(decodeJsonBody((old.frames[0] as Frame).body).code, 'code-required');
      assert.equal(old.audioSeqs().length, 0);
      assert.equal(v1Bytes.length, 0);
      assert.equal(v1.closed, true);
      assert.ok(events.some((e) => e.type === 'refused' && /v1 clients cannot prove/.test(e.reason)), JSON.stringify(events));
    });

    it('rate-limits guesses: after too many wrong codes even the right one waits', async () => {
      const { server, clock } = await makeHost({ accessCode: CODE, guessLimits: { perAddress: 3, total: 10, windowMs: 60_000 } });
      for (let i = 0; i < 3; i++) {
        const wrong = codeClient(server.connect(), `WRONG-${i}00`);
        await flush();
        assert.equal(wrong.rejectCode(), 'bad-code');
      }
      const blocked = codeClient(server.connect(), CODE);
      await flush();
      assert.equal(blocked.rejectCode(), 'rate-limited');
      assert.ok(!blocked.types().includes(FrameType.Challenge), 'a blocked address is not even challenged');
      clock.advance(60_001);
      const later = codeClient(server.connect(), CODE);
      await flush();
      assert.ok(later.types().includes(FrameType.Welcome), 'let in once the window has passed');
    });

    it('checks the limit again at the answer, so parallel challenges cannot multiply guesses', async () => {
      const { server } = await makeHost({ accessCode: CODE, guessLimits: { perAddress: 2, total: 10, windowMs: 60_000 } });
      const channels = Array.from({ length: 6 }, () => server.connect());
      const clients = channels.map((channel, i) => codeClient(channel, `WRONG-${i}00`));
      await flush();
      const codes = clients.map((c) => c.rejectCode());
      assert.equal(codes.filter((c) => c === 'bad-code').length, 2, codes.join(','));
      assert.equal(codes.filter((c) => c === 'rate-limited').length, 4, codes.join(','));
    });
  });

  describe('twin connections', () => {
    it('gives a twin the same frames; it is no listener of its own, and goes with its primary', async () => {
      const { server, source, events, host, clock } = await makeHost({ maxListeners: 1 });
      const primaryChannel = server.connect();
      const primary = v2Client(primaryChannel, 'ann', { twins: true });
      await flush();
      const token = primary.welcome()?.twinToken;
      assert.ok(token !== undefined && token.length === 16, 'the Welcome carries a 16-byte twin token');
      const twinChannel = server.connect();
      const twin = v2Client(twinChannel, 'ann', { twinOf: token.toString('base64') });
      await flush();
      assert.equal(twin.welcome()?.twin, true, 'welcomed as a twin, even though the host is full (one listener)');
      assert.equal(twin.welcome()?.twinToken, undefined);
      assert.equal(twin.welcome()?.resumeToken, undefined, 'a twin is not a stream of its own to resume');
      for (let i = 0; i < 4; i++) source.emit();
      await flush();
      assert.deepEqual(twin.audioSeqs(), [0, 1, 2, 3]);
      assert.deepEqual(primary.audioSeqs(), [0, 1, 2, 3]);
      assert.equal(events.filter((e) => e.type === 'listener-joined').length, 1);
      assert.equal(host.stats().listeners.length, 1);
      twinChannel.destroy();
      await flush();
      assert.equal(events.filter((e) => e.type === 'listener-left').length, 0, 'a twin going is no news');
      const again = server.connect();
      v2Client(again, 'ann', { twinOf: token.toString('base64') });
      await flush();
      primaryChannel.destroy();
      await flush();
      clock.advance(REJOIN_GRACE_MS);
      assert.equal(events.filter((e) => e.type === 'listener-left').length, 1);
      assert.ok(again.closed, 'the twin closes with its primary');
    });

    it(`keeps ${HOST_TWIN_SLOTS} twins in slots of their own: a newer one replaces only its slot's, one past them is refused`, async () => {
      const { server, source, host } = await makeHost();
      const primary = v2Client(server.connect(), 'ann', { twins: true });
      await flush();
      assert.equal(primary.welcome()?.twinSlots, HOST_TWIN_SLOTS, 'the Welcome says how many twins the host keeps');
      const token = (primary.welcome()?.twinToken as Buffer).toString('base64');
      const first = server.connect();
      const firstClient = v2Client(first, 'ann', { twinOf: token }); // no slot: slot 0, as older listeners send
      const second = server.connect();
      const secondClient = v2Client(second, 'ann', { twinOf: token, twinSlot: 1 });
      const beyond = v2Client(server.connect(), 'ann', { twinOf: token, twinSlot: HOST_TWIN_SLOTS });
      await flush();
      assert.equal(firstClient.welcome()?.twin, true);
      assert.equal(secondClient.welcome()?.twin, true);
      const reject = beyond.frames.find((f) => f.type === FrameType.Reject);
      assert.equal(reject === undefined ? undefined : decodeJsonBody(reject.body).code, 'no-such-stream');
      source.emit();
      await flush();
      assert.deepEqual([primary.audioSeqs(), firstClient.audioSeqs(), secondClient.audioSeqs()], [[0], [0], [0]], 'all three carry each packet');
      const again = server.connect();
      const againClient = v2Client(again, 'ann', { twinOf: token, twinSlot: 1 });
      await flush();
      assert.ok(second.closed, "a newer twin in slot 1 replaces slot 1's");
      assert.ok(!first.closed, "and leaves slot 0's alone");
      source.emit();
      await flush();
      assert.deepEqual([firstClient.audioSeqs(), againClient.audioSeqs()], [[0, 1], [1]]);
      assert.equal(host.stats().listeners.length, 1);
    });

    it('rejects a twin of no stream, and gives no token to a listener that did not offer twins', async () => {
      const { server } = await makeHost();
      const plain = v2Client(server.connect(), 'ann', {});
      const stray = v2Client(server.connect(), 'ann', { twinOf: Buffer.alloc(16, 7).toString('base64') });
      await flush();
      assert.equal(plain.welcome()?.twinToken, undefined);
      const reject = stray.frames.find((f) => f.type === FrameType.Reject);
      assert.equal(reject === undefined ? undefined : decodeJsonBody(reject.body).code, 'no-such-stream');
      assert.ok(!stray.frames.some((f) => f.type === FrameType.Audio));
    });
  });

  describe('a listener back on a new connection', () => {
    it('replaces its old connection at once: one listener, a rejoin and no leave', async () => {
      const { server, source, events, host } = await makeHost();
      const oldChannel = server.connect();
      const old = v2Client(oldChannel, 'ann');
      await flush();
      const token = old.welcome()?.resumeToken;
      assert.ok(token !== undefined && token.length === 16, 'the Welcome carries a 16-byte resume token');
      const fresh = v2Client(server.connect(), 'ann', { resumes: token.toString('base64') });
      await flush();
      assert.ok(oldChannel.closed, 'the old connection is closed as soon as the new one is admitted');
      assert.deepEqual(
        events.filter((e) => e.type.startsWith('listener-')).map((e) => e.type),
        ['listener-joined', 'listener-rejoined'],
      );
      assert.equal(host.stats().listeners.length, 1);
      const next = fresh.welcome()?.resumeToken;
      assert.ok(next !== undefined && !next.equals(token), 'the new stream has a token of its own');
      for (let i = 0; i < 3; i++) source.emit();
      await flush();
      assert.deepEqual(fresh.audioSeqs(), [0, 1, 2]);
    });

    it('is let in at the listener cap; a made-up token changes nothing and is refused as full', async () => {
      const { server, events } = await makeHost({ maxListeners: 1 });
      const oldChannel = server.connect();
      const old = v2Client(oldChannel, 'ann');
      await flush();
      const token = old.welcome()?.resumeToken as Buffer;
      const stranger = v2Client(server.connect(), 'eve', { resumes: Buffer.alloc(16, 9).toString('base64') });
      await flush();
      assert.equal(stranger.rejectCode(), 'full');
      assert.ok(!oldChannel.closed, 'a token of no stream here closes nothing');
      const fresh = v2Client(server.connect(), 'ann', { resumes: token.toString('base64') });
      await flush();
      assert.equal(fresh.welcome()?.codec, 'pcm', 'the returning listener is admitted although the host is full');
      assert.ok(oldChannel.closed);
      assert.equal(events.filter((e) => e.type === 'listener-left').length, 0);
    });

    it('whose old connection the host had already closed: listed as reconnecting, a rejoin within REJOIN_GRACE_MS, a leave and a join after it', async () => {
      const { server, events, clock, host } = await makeHost();
      const roster = () => events.filter((e) => e.type.startsWith('listener-')).map((e) => e.type);
      const first = server.connect();
      const old = v2Client(first, 'ann');
      await flush();
      first.write(encodeJsonFrame(FrameType.Stats, { latencyMs: 84, underruns: 1, jitterMs: 12 }));
      await flush();
      first.destroy(); // its link reset as it came back, say
      await flush();
      clock.advance(REJOIN_GRACE_MS - 1);
      const listed = () => host.stats().listeners.map((l) => `${l.name}${l.reconnecting ? ' reconnecting' : ''} ${l.latencyMs ?? '-'}`);
      assert.deepEqual(listed(), ['ann reconnecting 84'], 'meanwhile still listed (and counted), as reconnecting, with its last figures');
      const back = v2Client(server.connect(), 'ann', { resumes: old.welcome()?.resumeToken?.toString('base64') });
      await flush();
      assert.equal(back.welcome()?.codec, 'pcm');
      assert.deepEqual(listed(), ['ann -'], 'once back, listed once, on its new connection');
      clock.advance(REJOIN_GRACE_MS + 1000); // well past the first leave's grace; short of the new connection's 4.5 s silence rule
      assert.deepEqual(roster(), ['listener-joined', 'listener-rejoined'], 'no leave told, not even later');

      const second = server.connect();
      const gone = v2Client(second, 'bob');
      await flush();
      second.destroy();
      await flush();
      assert.ok(listed().includes('bob reconnecting -'));
      clock.advance(REJOIN_GRACE_MS);
      assert.ok(!listed().some((l) => l.startsWith('bob')), 'told gone after the grace: no longer listed');
      v2Client(server.connect(), 'bob', { resumes: gone.welcome()?.resumeToken?.toString('base64') });
      await flush();
      assert.deepEqual(roster().slice(2), ['listener-joined', 'listener-left', 'listener-joined'], 'too late: it left, and joins anew');
    });

    it('restarted as a new process (a new token) from the same machine: its old leave is told at once, before the join', async () => {
      const { server, events, clock, host } = await makeHost();
      const told = () => events.filter((e) => e.type.startsWith('listener-')).map((e) => `${e.type} ${'name' in e ? e.name : ''}`);
      const first = server.connect(Infinity, '192.168.1.20:51000');
      v2Client(first, 'ann');
      v2Client(server.connect(Infinity, '192.168.1.21:52000'), 'bob');
      await flush();
      first.destroy(); // the listener's process died: no goodbye
      await flush();
      v2Client(server.connect(Infinity, '192.168.1.30:53000'), 'ann'); // another machine named ann: not the same listener
      await flush();
      assert.deepEqual(told(), ['listener-joined ann', 'listener-joined bob', 'listener-joined ann'], 'a namesake elsewhere tells no leave');
      v2Client(server.connect(Infinity, '192.168.1.20:51001'), 'ann'); // the new process: a new port, no resume token
      await flush();
      assert.deepEqual(told().slice(3), ['listener-left ann', 'listener-joined ann'], 'the leave first, then the join');
      const listed = () => host.stats().listeners.map((l) => `${l.name} ${l.address}${l.reconnecting ? ' reconnecting' : ''}`).sort();
      assert.deepEqual(listed(), ['ann 192.168.1.20:51001', 'ann 192.168.1.30:53000', 'bob 192.168.1.21:52000'], 'listed once, on its new connection');
      clock.advance(REJOIN_GRACE_MS + 1000);
      assert.equal(told().length, 5, 'no second leave when the grace ends');
    });

    it('refused on its return (the host filled up meanwhile): its leave is still told', async () => {
      const { server, events, clock } = await makeHost({ maxListeners: 1 });
      const first = server.connect();
      const old = v2Client(first, 'ann');
      await flush();
      first.destroy();
      await flush();
      v2Client(server.connect(), 'bob');
      await flush();
      const back = v2Client(server.connect(), 'ann', { resumes: old.welcome()?.resumeToken?.toString('base64') });
      await flush();
      assert.equal(back.rejectCode(), 'full');
      clock.advance(REJOIN_GRACE_MS);
      const roster = events.filter((e) => e.type.startsWith('listener-')).map((e) => `${e.type} ${'name' in e ? e.name : ''}`);
      assert.deepEqual(roster, ['listener-joined ann', 'listener-joined bob', 'listener-left ann']);
    });

    it('leaves with its health as it last reported it, for the log', async () => {
      const { server, events } = await makeHost();
      const channel = server.connect();
      v2Client(channel, 'ann');
      await flush();
      channel.write(encodeJsonFrame(FrameType.Stats, { latencyMs: 84.5, bufferedMs: 60, targetMs: 60, underruns: 2, missingPackets: 0, driftPpm: -31, jitterMs: 12 }));
      channel.write(encodeJsonFrame(FrameType.Stats, { latencyMs: 86, bufferedMs: 60, targetMs: 60, underruns: 3, missingPackets: 0, driftPpm: -30, jitterMs: 14 }));
      channel.write(encodeJsonFrame(FrameType.Bye, { reason: 'listener stopped' }));
      await flush();
      const left = leavesIn(events)[0];
      assert.ok(left, 'ann left');
      assert.deepEqual(
        { latencyMs: left.last.latencyMs, jitterMs: left.last.jitterMs, underruns: left.last.underruns, driftPpm: left.last.driftPpm, droppedFrames: left.last.droppedFrames },
        { latencyMs: 86, jitterMs: 14, underruns: 3, driftPpm: -30, droppedFrames: 0 },
        'the last report, not the first',
      );
    });

    it('that said goodbye has left at once, and a host that stops tells every waiting leave', async () => {
      const { server, events, host } = await makeHost();
      const polite = server.connect();
      v2Client(polite, 'ann');
      const abrupt = server.connect();
      v2Client(abrupt, 'bob');
      await flush();
      polite.write(encodeJsonFrame(FrameType.Bye, { reason: 'listener stopped' }));
      abrupt.destroy();
      await flush();
      const left = () => leavesIn(events).map((e) => e.name);
      assert.deepEqual(left(), ['ann']);
      await host.stop();
      assert.deepEqual(left(), ['ann', 'bob']);
    });

    it('with an access code, a resume counts only once the code is proven', async () => {
      const { server, events } = await makeHost({ accessCode: 'open sesame' });
      const oldChannel = server.connect();
      const old = codeClient(oldChannel, 'open sesame', 'cody');
      await flush();
      const welcomeFrame = old.frames.find((f) => f.type === FrameType.Welcome) as Frame;
      const token = parseWelcome(decodeJsonBody(welcomeFrame.body)).resumeToken as Buffer;
      const guesser = codeClient(server.connect(), 'wrong', 'cody', { resumes: token.toString('base64') });
      await flush();
      assert.equal(guesser.rejectCode(), 'bad-code');
      assert.ok(!oldChannel.closed, 'a wrong code with a stolen token closes nothing');
      const fresh = codeClient(server.connect(), 'open sesame', 'cody', { resumes: token.toString('base64') });
      await flush();
      assert.deepEqual(fresh.types().slice(0, 2), [FrameType.Challenge, FrameType.Welcome]);
      assert.ok(oldChannel.closed);
      assert.deepEqual(
        events.filter((e) => e.type.startsWith('listener-')).map((e) => e.type),
        ['listener-joined', 'listener-rejoined'],
      );
    });
  });

  it('gives original v1 clients (and idle sockets, which look the same) only a few of the slots', async () => {
    const { server, clock, host } = await makeHost({ maxListeners: 4, maxV1Listeners: 2 });
    const idle = Array.from({ length: 5 }, () => server.connect());
    clock.advance(DEFAULT_PEER_TIMINGS.v1SniffMs + 1);
    await flush();
    assert.equal(idle.filter((c) => !c.closed).length, 2, 'two v1 slots, the other idle sockets are closed');
    const late = [v2Client(server.connect(), 'a'), v2Client(server.connect(), 'b')];
    await flush();
    for (const client of late) assert.equal(client.frames[0]?.type, FrameType.Welcome);
    assert.equal(host.stats().listeners.length, 4);
  });
});
