/** A ChannelServer whose connections a test opens by hand with MemoryChannel pairs. */
import type { ByteChannel, ChannelServer } from '../../src/ports/transport.js';
import { MemoryChannel } from './memory-channel.js';

export class FakeChannelServer implements ChannelServer {
  private handler: ((channel: ByteChannel) => void) | undefined;
  closed = false;

  listen(port: number): Promise<number> {
    return Promise.resolve(port === 0 ? 40000 : port);
  }

  onConnection(handler: (channel: ByteChannel) => void): void {
    this.handler = handler;
  }

  /**
   * Opens a connection; returns the client's end. `stallAfterBytes` makes the host's end stop sending; `from`
   * is the client's address as the host sees it.
   */
  connect(stallAfterBytes = Infinity, from?: string): MemoryChannel {
    const [hostSide, clientSide] = MemoryChannel.pair(stallAfterBytes, from);
    this.handler?.(hostSide);
    return clientSide;
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}
