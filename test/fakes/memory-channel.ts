/** In-memory ByteChannel pairs; `stallAfterBytes` makes one side stop accepting, like a listener that stopped reading. */
import type { ByteChannel } from '../../src/ports/transport.js';

export class MemoryChannel implements ByteChannel {
  peer: MemoryChannel | undefined;
  readonly written: Buffer[] = [];
  private dataHandlers: ((bytes: Buffer) => void)[] = [];
  private closeHandlers: ((err?: Error) => void)[] = [];
  private pendingCallbacks: ((err?: Error) => void)[] = [];
  private accepted = 0;
  closed = false;

  constructor(
    readonly remoteAddress: string,
    private readonly stallAfterBytes = Infinity,
  ) {}

  /** Two connected ends; the first sees the second as `from`. */
  static pair(stallAfterBytes = Infinity, from = '10.0.0.1:1000'): [MemoryChannel, MemoryChannel] {
    const a = new MemoryChannel(from, stallAfterBytes);
    const b = new MemoryChannel('10.0.0.2:2000');
    a.peer = b;
    b.peer = a;
    return [a, b];
  }

  get pendingBytes(): number {
    return 0;
  }

  write(bytes: Uint8Array, onWritten?: (err?: Error) => void): boolean {
    if (this.closed) {
      onWritten?.(new Error('closed'));
      return false;
    }
    const copy = Buffer.from(bytes);
    this.written.push(copy);
    if (this.accepted >= this.stallAfterBytes) {
      if (onWritten) this.pendingCallbacks.push(onWritten);
      return false;
    }
    this.accepted += copy.length;
    this.peer?.receive(copy);
    if (onWritten) queueMicrotask(() => onWritten());
    return true;
  }

  receive(bytes: Buffer): void {
    for (const handler of this.dataHandlers) handler(bytes);
  }

  onData(handler: (bytes: Buffer) => void): void {
    this.dataHandlers.push(handler);
  }

  onClose(handler: (err?: Error) => void): void {
    this.closeHandlers.push(handler);
  }

  end(): void {
    this.destroy();
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    for (const cb of this.pendingCallbacks) cb(new Error('closed'));
    this.pendingCallbacks = [];
    for (const handler of this.closeHandlers) handler();
    this.peer?.destroy();
  }
}
