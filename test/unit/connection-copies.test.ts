import assert from 'node:assert/strict';
import { connectionSets, latenessBySet, parseCopies, type PacketCopy } from '../../bench/support/connection-copies.js';

/** Copies of packets 0..count − 1 captured every 10 ms, arriving `transit(connection, seq)` after capture. */
function copiesOf(count: number, connections: number, transit: (connection: number, seq: number) => number): PacketCopy[] {
  const copies: PacketCopy[] = [];
  for (let seq = 0; seq < count; seq++) {
    for (let connection = 0; connection < connections; connection++) copies.push({ connection, seq, arrivalMs: seq * 10 + transit(connection, seq), captureMs: seq * 10 });
  }
  return copies;
}

describe('connection copies (what each set of connections alone would have brought)', () => {
  it('reads the probe lines and skips anything else', () => {
    assert.deepEqual(parseCopies('0 7 100.5 90.25\n\nnot a copy\n2 8 111 100\n'), [
      { connection: 0, seq: 7, arrivalMs: 100.5, captureMs: 90.25 },
      { connection: 2, seq: 8, arrivalMs: 111, captureMs: 100 },
    ]);
  });

  it('lists every set of connections, singles first', () => {
    assert.deepEqual(connectionSets(3), [[0], [1], [2], [0, 1], [0, 2], [1, 2], [0, 1, 2]]);
  });

  it('takes each packet from the set’s first copy: a stall of one connection shows alone, not beside another', () => {
    // Connection 0 stalls 70 ms at packets 100-106 (they come out together), connection 1 stalls 90 ms at
    // 300-308, and both stall at 500-504 (45 and 30 ms); otherwise every copy takes 5 ms.
    const stalled = (connection: number, seq: number): number => {
      if (connection === 0 && seq >= 100 && seq <= 106) return 5 + 70 - (seq - 100) * 10;
      if (connection === 1 && seq >= 300 && seq <= 308) return 5 + 90 - (seq - 300) * 10;
      if (seq >= 500 && seq <= 504) return Math.max(5, 5 + (connection === 0 ? 45 : 30) - (seq - 500) * 10);
      return 5;
    };
    const [first, second, both] = latenessBySet(copiesOf(1000, 2, stalled), [[0], [1], [0, 1]], [20, 60, 80]);
    assert.deepEqual(first, { connections: [0], packets: 1000, p99Ms: 10, p99_9Ms: 60, maxMs: 70, spellsOver: { 20: 2, 60: 1, 80: 0 } });
    assert.equal(second?.maxMs, 90);
    assert.deepEqual(second?.spellsOver, { 20: 2, 60: 1, 80: 1 });
    assert.equal(both?.maxMs, 30, 'together, only the stall both had, at the shorter of the two');
    assert.deepEqual(both?.spellsOver, { 20: 1, 60: 0, 80: 0 });
  });

  it('leaves out copies before `fromMs`', () => {
    // The first ten came faster; counted, they would make every later packet 4 ms late.
    const late = latenessBySet(copiesOf(100, 1, (_c, seq) => (seq < 10 ? 1 : 5)), [[0]], [20], 100);
    assert.equal(late[0]?.packets, 90);
    assert.equal(late[0]?.maxMs, 0);
  });
});
