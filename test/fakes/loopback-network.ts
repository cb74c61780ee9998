/**
 * An in-memory network: a ChannelServer and a ChannelConnector joined by byte channels that deliver
 * on a later microtask (like a socket), so a host and a listener session talk to each other in a unit test.
 */
import { AuraError } from '../../src/core/errors.js';
import type { ByteChannel, ChannelConnector, ChannelServer } from '../../src/ports/transport.js';

class LoopbackChannel implements ByteChannel {
  peer: LoopbackChannel | undefined;
  private dataHandlers: ((bytes: Buffer) => void)[] = [];
  private closeHandlers: ((err?: Error) => void)[] = [];
  closed = false;
  readonly pendingBytes = 0;

  constructor(readonly remoteAddress: string) {}

  write(bytes: Uint8Array, onWritten?: (err?: Error) => void): boolean {
    if (this.closed) {
      onWritten?.(new Error('closed'));
      return false;
    }
    const copy = Buffer.from(bytes);
    const peer = this.peer;
    queueMicrotask(() => {
      if (peer !== undefined && !peer.closed) for (const handler of peer.dataHandlers) handler(copy);
      onWritten?.();
    });
    return true;
  }

  onData(handler: (bytes: Buffer) => void): void {
    this.dataHandlers.push(handler);
  }

  onClose(handler: (err?: Error) => void): void {
    this.closeHandlers.push(handler);
  }

  end(): void {
    // Pending bytes go first: close on a later microtask than the writes before it.
    queueMicrotask(() => queueMicrotask(() => this.destroy()));
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    for (const handler of this.closeHandlers) handler();
    this.peer?.destroy();
  }
}

/** A server on one port of the loopback network. */
export class LoopbackServer implements ChannelServer {
  private handler: ((channel: ByteChannel) => void) | undefined;
  port = 0;
  closed = false;

  constructor(private readonly network: LoopbackNetwork) {}

  async listen(port: number): Promise<number> {
    if (this.network.servers.has(port)) throw new AuraError('ERR_PORT_IN_USE', `port ${port} is in use`);
    this.port = port;
    this.network.servers.set(port, this);
    return port;
  }

  onConnection(handler: (channel: ByteChannel) => void): void {
    this.handler = handler;
  }

  accept(channel: ByteChannel): void {
    this.handler?.(channel);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.network.servers.delete(this.port);
  }
}

/** The network: servers by port; connect() reaches them. */
export class LoopbackNetwork implements ChannelConnector {
  readonly servers = new Map<number, LoopbackServer>();

  server(): LoopbackServer {
    return new LoopbackServer(this);
  }

  async connect(host: string, port: number): Promise<ByteChannel> {
    const server = this.servers.get(port);
    if (server === undefined) throw new AuraError('ERR_HOST_UNREACHABLE', `cannot reach ${host}:${port}: connection refused`);
    const client = new LoopbackChannel(`${host}:${port}`);
    const hostSide = new LoopbackChannel('10.0.0.2:40000');
    client.peer = hostSide;
    hostSide.peer = client;
    server.accept(hostSide);
    return client;
  }
}
