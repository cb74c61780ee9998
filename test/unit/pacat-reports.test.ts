/** What PacatPlaybackSink reads from pacat's verbose stderr, and sink names from `pactl list sinks`. */
import assert from 'node:assert/strict';
import { parsePacatLine } from '../../src/adapters/audio/pacat-playback-sink.js';
import { parseSinkNames } from '../../src/adapters/audio/pulse-sink-names.js';

describe('pacat reports', () => {
  it('reads the playback position and latency, with the clear-line codes pacat writes around them', () => {
    assert.deepEqual(parsePacatLine('Time: 0.049 sec; Latency: 8031 usec.        '), { kind: 'position', playedUs: 49_000, latencyUs: 8031 });
    assert.deepEqual(parsePacatLine('\u001b[KTime: 12.500 sec; Latency: -120 usec.'), { kind: 'position', playedUs: 12_500_000, latencyUs: -120 });
  });

  it('tells the stream being created, starting, underruns and failures apart; ignores the rest', () => {
    assert.deepEqual(parsePacatLine('Stream successfully created.'), { kind: 'connected' });
    assert.deepEqual(parsePacatLine('Stream started.\u001b[K'), { kind: 'started' });
    assert.deepEqual(parsePacatLine('Stream underrun.\u001b[K'), { kind: 'underrun' });
    assert.deepEqual(parsePacatLine('Stream error: No such entity'), { kind: 'failure', message: 'Stream error: No such entity' });
    assert.deepEqual(parsePacatLine('Connection failure: Connection refused'), { kind: 'failure', message: 'Connection failure: Connection refused' });
    for (const other of ['', 'Connection established.\u001b[K', 'Stream drained.', 'Buffer metrics: maxlength=4194304, tlength=2880', 'Time: soon sec; Latency: x usec.']) {
      assert.equal(parsePacatLine(other), undefined, other);
    }
  });

  it('maps each sink description to its name, the first of a repeated description winning', () => {
    const text = [
      'Sink #0',
      '\tState: RUNNING',
      '\tName: alsa_output.pci-0000_00_1f.3.analog-stereo',
      '\tDescription: Built-in Audio Analog Stereo',
      '\tDriver: module-alsa-card.c',
      'Sink #3',
      '\tName: bluez_sink.00_11',
      '\tDescription: Headphones',
      'Sink #4',
      '\tName: second_headphones',
      '\tDescription: Headphones',
    ].join('\n');
    assert.deepEqual(
      [...parseSinkNames(text)],
      [
        ['Built-in Audio Analog Stereo', 'alsa_output.pci-0000_00_1f.3.analog-stereo'],
        ['Headphones', 'bluez_sink.00_11'],
      ],
    );
    assert.equal(parseSinkNames('garbage\nDescription: orphan').size, 0);
  });
});
