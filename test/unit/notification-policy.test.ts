import assert from 'node:assert/strict';
import { nameList, NotificationPolicy } from '../../src/app/notification-policy.js';
import type { Notification } from '../../src/ports/desktop.js';
import { ManualClock } from '../fakes/manual-clock.js';

function setup(enabled = true) {
  const clock = new ManualClock();
  const shown: Notification[] = [];
  const policy = new NotificationPolicy({ clock, enabled, notify: (n) => shown.push(n), burstWindowMs: 1500, minGapMs: 5000, lostGraceMs: 3000, repeatQuietMs: 60_000 });
  const said = () => shown.map((n) => `${n.title}: ${n.body}`);
  return { clock, policy, shown, said };
}

describe('notification policy', () => {
  it('one listener joining is one notification, by name', () => {
    const { clock, policy, said } = setup();
    policy.handle({ type: 'listener-joined', name: 'Alice' });
    clock.advance(1499);
    assert.deepEqual(said(), [], 'waits for the burst window');
    clock.advance(1);
    assert.deepEqual(said(), ['Listener joined: Alice']);
  });

  it('20 listeners joining within a short window is one notification "20 listeners joined"', () => {
    const { clock, policy, shown, said } = setup();
    for (let i = 1; i <= 20; i++) {
      policy.handle({ type: 'listener-joined', name: `L${i}` });
      clock.advance(50);
    }
    clock.advance(10_000);
    assert.equal(shown.length, 1);
    assert.deepEqual(said(), ['20 listeners joined: L1, L2, L3 and 17 others']);
  });

  it('a steady stream of joins never makes more than one notification per gap', () => {
    const { clock, policy, shown } = setup();
    for (let i = 0; i < 600; i++) {
      policy.handle({ type: 'listener-joined', name: `L${i}` });
      clock.advance(100); // one every 100 ms for a minute
    }
    clock.advance(10_000);
    assert.ok(shown.length <= 61_000 / 5000 + 1, `${shown.length} notifications`);
    const total = shown.reduce((sum, n) => sum + (/^(\d+) listeners joined/.exec(n.title)?.[1] !== undefined ? Number(/^(\d+)/.exec(n.title)?.[1]) : 1), 0);
    assert.equal(total, 600, 'every join is counted in some notification');
  });

  it('joins and leaves in one burst are one notification', () => {
    const { clock, policy, said } = setup();
    policy.handle({ type: 'listener-joined', name: 'Alice' });
    policy.handle({ type: 'listener-joined', name: 'Bob' });
    policy.handle({ type: 'listener-left', name: 'Carol' });
    clock.advance(3000);
    assert.deepEqual(said(), ['2 listeners joined, 1 left: Joined: Alice and Bob. Left: Carol.']);
  });

  it('a leave alone says who left, once the grace for coming back is over', () => {
    const { clock, policy, said } = setup();
    policy.handle({ type: 'listener-left', name: 'Bob' });
    clock.advance(2999);
    assert.deepEqual(said(), []);
    clock.advance(1);
    assert.deepEqual(said(), ['Listener left: Bob']);
  });

  it('a listener that leaves and joins again within the grace (Wi-Fi back after the host gave it up) is no news', () => {
    const { clock, policy, said } = setup();
    policy.handle({ type: 'listener-joined', name: 'Ann' });
    clock.advance(10_000);
    policy.handle({ type: 'listener-left', name: 'Ann' });
    policy.handle({ type: 'listener-left', name: 'Bob' });
    clock.advance(2500);
    policy.handle({ type: 'listener-joined', name: 'Ann' });
    clock.advance(60_000);
    assert.deepEqual(said(), ['Listener joined: Ann', 'Listener left: Bob']);
    // A join first and a leave after is a visit, and both are told.
    policy.handle({ type: 'listener-joined', name: 'Cy' });
    policy.handle({ type: 'listener-left', name: 'Cy' });
    clock.advance(60_000);
    assert.deepEqual(said().slice(2), ['Listener joined, 1 left: Joined: Cy. Left: Cy.']);
  });

  it('listener side: connected at once; a blip that reconnects within the grace shows nothing more', () => {
    const { clock, policy, said } = setup();
    policy.handle({ type: 'connected', hostName: 'Den' });
    clock.advance(0);
    assert.deepEqual(said(), ["Connected: Listening to 'Den'"]);
    policy.handle({ type: 'stream-lost', hostName: 'Den', reason: 'connection reset' });
    clock.advance(1000);
    policy.handle({ type: 'reconnected', hostName: 'Den' });
    clock.advance(60_000);
    assert.deepEqual(said(), ["Connected: Listening to 'Den'"]);
  });

  it('a lasting loss is announced, then the reconnection', () => {
    const { clock, policy, said } = setup();
    policy.handle({ type: 'connected', hostName: 'Den' });
    clock.advance(10_000);
    policy.handle({ type: 'stream-lost', hostName: 'Den', reason: 'no data from the host for 3 s' });
    clock.advance(3000);
    assert.deepEqual(said().slice(1), ["Stream lost: 'Den': no data from the host for 3 s. Reconnecting…"]);
    clock.advance(10_000);
    policy.handle({ type: 'reconnected', hostName: 'Den' });
    clock.advance(0);
    assert.deepEqual(said().slice(2), ["Reconnected: Listening to 'Den' again"]);
  });

  it('a flapping connection does not storm', () => {
    const { clock, policy, shown } = setup();
    policy.handle({ type: 'connected', hostName: 'Den' });
    for (let i = 0; i < 100; i++) {
      clock.advance(500);
      policy.handle({ type: 'stream-lost', hostName: 'Den', reason: 'reset' });
      clock.advance(3500);
      policy.handle({ type: 'reconnected', hostName: 'Den' });
    }
    clock.advance(10_000);
    // 400 s of flapping: at most one connection notification per 5 s gap.
    assert.ok(shown.length <= 400 / 5 + 1, `${shown.length} notifications`);
  });

  it('host gone is said once, replaces a waiting "stream lost", and a later loss is not news', () => {
    const { clock, policy, said } = setup();
    policy.handle({ type: 'connected', hostName: 'Den' });
    clock.advance(10_000);
    policy.handle({ type: 'host-gone', hostName: 'Den' });
    policy.handle({ type: 'stream-lost', hostName: 'Den', reason: 'the host stopped streaming' });
    policy.handle({ type: 'host-gone', hostName: 'Den' });
    clock.advance(30_000);
    assert.deepEqual(said().slice(1), ["Host gone: 'Den' stopped sharing. AuraLync will reconnect when it is back."]);
    policy.handle({ type: 'reconnected', hostName: 'Den' });
    clock.advance(0);
    assert.deepEqual(said().slice(2), ["Reconnected: Listening to 'Den' again"]);
  });

  it('output device unavailable is shown at once, and the same again only after a quiet time', () => {
    const { clock, policy, said } = setup();
    policy.handle({ type: 'output-unavailable', device: 'USB Headset', reason: 'device unplugged' });
    policy.handle({ type: 'output-unavailable', device: 'USB Headset', reason: 'device unplugged' });
    clock.advance(30_000);
    policy.handle({ type: 'output-unavailable', device: 'USB Headset', reason: 'device unplugged' });
    assert.deepEqual(said(), ['Output device unavailable: USB Headset: device unplugged']);
    clock.advance(31_000);
    policy.handle({ type: 'output-unavailable', device: 'USB Headset', reason: 'device unplugged' });
    assert.equal(said().length, 2);
  });

  it('turned off: nothing is shown, and waiting notifications are dropped', () => {
    const { clock, policy, said } = setup();
    policy.handle({ type: 'listener-joined', name: 'Alice' });
    policy.setEnabled(false);
    policy.handle({ type: 'listener-joined', name: 'Bob' });
    policy.handle({ type: 'problem', title: 'Cannot start hosting', body: 'port in use' });
    clock.advance(60_000);
    assert.deepEqual(said(), []);
    policy.setEnabled(true);
    policy.handle({ type: 'listener-joined', name: 'Carol' });
    clock.advance(2000);
    assert.deepEqual(said(), ['Listener joined: Carol']);
  });

  it('starting disabled shows nothing; turning on later does not announce stale connection news', () => {
    const { clock, policy, said } = setup(false);
    policy.handle({ type: 'connected', hostName: 'Den' });
    clock.advance(10_000);
    policy.setEnabled(true);
    policy.handle({ type: 'reconnected', hostName: 'Den' });
    clock.advance(10_000);
    assert.deepEqual(said(), []);
  });

  it('stopping the session drops waiting connection news', () => {
    const { clock, policy, said } = setup();
    policy.handle({ type: 'connected', hostName: 'Den' });
    clock.advance(10_000);
    policy.handle({ type: 'stream-lost', hostName: 'Den', reason: 'reset' });
    policy.handle({ type: 'session-ended' });
    clock.advance(10_000);
    assert.deepEqual(said(), ["Connected: Listening to 'Den'"]);
  });

  it('stop() cancels every timer', () => {
    const { clock, policy, said } = setup();
    policy.handle({ type: 'listener-joined', name: 'Alice' });
    policy.stop();
    clock.advance(10_000);
    policy.handle({ type: 'listener-joined', name: 'Bob' });
    clock.advance(10_000);
    assert.deepEqual(said(), []);
  });

  it('refuses nonsense timings', () => {
    assert.throws(() => new NotificationPolicy({ clock: new ManualClock(), enabled: true, notify: () => {}, minGapMs: -1 }), RangeError);
  });

  it('lists names readably', () => {
    assert.equal(nameList(['A']), 'A');
    assert.equal(nameList(['A', 'B']), 'A and B');
    assert.equal(nameList(['A', 'B', 'C']), 'A, B and C');
    assert.equal(nameList(['A', 'B', 'C', 'D']), 'A, B, C and 1 other');
  });
});
