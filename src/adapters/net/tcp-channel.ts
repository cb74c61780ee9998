/** ByteChannel over a node:net socket. */
import type { Socket } from 'node:net';
import type { ByteChannel } from '../../ports/transport.js';

/** Wraps a connected socket: Nagle off (audio is latency-bound), errors folded into one close event. */
export class TcpChannel implements ByteChannel {
  readonly remoteAddress: string;
  private closeHandlers: ((err?: Error) => void)[] = [];
  private closed = false;
  private lastError: Error | undefined;

  constructor(private readonly socket: Socket) {
    this.remoteAddress = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    socket.setNoDelay(true);
    socket.on('error', (err) => {
      this.lastError = err;
    });
    socket.on('close', () => {
      this.closed = true;
      for (const handler of this.closeHandlers) handler(this.lastError);
      this.closeHandlers = [];
    });
  }

  get pendingBytes(): number {
    return this.socket.writableLength;
  }

  write(bytes: Uint8Array, onWritten?: (err?: Error) => void): boolean {
    if (this.closed || this.socket.destroyed) {
      if (onWritten) queueMicrotask(() => onWritten(new Error('channel closed')));
      return false;
    }
    return this.socket.write(bytes, onWritten === undefined ? undefined : (err) => onWritten(err ?? undefined));
  }

  onData(handler: (bytes: Buffer) => void): void {
    this.socket.on('data', handler);
  }

  onClose(handler: (err?: Error) => void): void {
    if (this.closed) queueMicrotask(() => handler(this.lastError));
    else this.closeHandlers.push(handler);
  }

  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }
}
