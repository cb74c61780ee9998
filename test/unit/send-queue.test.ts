import assert from 'node:assert/strict';
import { SendQueue } from '../../src/core/send-queue.js';

const audio = (n: number) => Buffer.from([n]);

describe('send queue', () => {
  it('drops the oldest audio when full and counts it', () => {
    const queue = new SendQueue(3);
    for (let i = 0; i < 5; i++) queue.push('audio', audio(i));
    assert.equal(queue.stats.droppedAudio, 2);
    assert.deepEqual([...(queue.takeAll() as Buffer)], [2, 3, 4]);
  });

  it('never drops control frames, whatever the audio pressure', () => {
    const queue = new SendQueue(1);
    queue.push('control', Buffer.from([100]));
    for (let i = 0; i < 10; i++) queue.push('audio', audio(i));
    queue.push('control', Buffer.from([101]));
    assert.deepEqual([...(queue.takeAll() as Buffer)], [100, 9, 101]);
  });

  it('stays bounded in bytes under a flood', () => {
    const queue = new SendQueue(20);
    for (let i = 0; i < 100_000; i++) queue.push('audio', Buffer.alloc(1000));
    assert.equal(queue.stats.queuedAudio, 20);
    assert.equal(queue.stats.queuedBytes, 20_000);
    assert.equal(queue.stats.droppedAudio, 100_000 - 20);
  });

  it('returns nothing when empty and refuses a bad bound', () => {
    assert.equal(new SendQueue(1).takeAll(), undefined);
    assert.throws(() => new SendQueue(0), RangeError);
  });
});
