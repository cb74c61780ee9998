/** A StreamSink that counts what it is given, or a ClockedSink that fails to open (device unplugged). */
import { AuraError } from '../../src/core/errors.js';
import type { ClockedSink, StreamSink } from '../../src/ports/audio-sink.js';

export class CountingSink implements StreamSink {
  readonly kind = 'stream';
  readonly description = 'counting sink';
  samples = 0;
  closed = false;

  async write(samples: Float32Array): Promise<void> {
    this.samples += samples.length;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

export class UnpluggedSink implements ClockedSink {
  readonly kind = 'clocked';
  readonly description = 'USB Headset';

  async start(): Promise<void> {
    throw new AuraError('ERR_DEVICE_UNAVAILABLE', "output device 'USB Headset' is not available");
  }

  outputLatencyMs(): number {
    return 0;
  }

  async stop(): Promise<void> {}
}
