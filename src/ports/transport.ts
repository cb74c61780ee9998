/** Byte streams between host and listeners (TCP in production, in-memory in unit tests). */

/** One reliable, ordered, bidirectional byte stream. */
export interface ByteChannel {
  /** Peer address as text, for logs and the listener list. */
  readonly remoteAddress: string;
  /**
   * Queues bytes; `onWritten` runs once they are handed to the OS (or the channel failed).
   * Returns false once the channel's send buffer is full.
   */
  write(bytes: Uint8Array, onWritten?: (err?: Error) => void): boolean;
  /** Bytes not yet handed to the OS [bytes]. */
  readonly pendingBytes: number;
  /** Registers the handler for incoming bytes. */
  onData(handler: (bytes: Buffer) => void): void;
  /** Registers the handler called once when the stream is closed, by either side or by an error. */
  onClose(handler: (err?: Error) => void): void;
  /** Closes gracefully after pending bytes are sent. */
  end(): void;
  /** Closes at once, dropping pending bytes; safe to call twice. */
  destroy(): void;
}

/** Accepts incoming channels on a port. */
export interface ChannelServer {
  /** Starts listening; resolves with the bound port. Rejects with ERR_PORT_IN_USE / ERR_BAD_PORT. */
  listen(port: number, host?: string): Promise<number>;
  /** Registers the handler for each new channel. */
  onConnection(handler: (channel: ByteChannel) => void): void;
  /** Stops listening and destroys open channels; safe to call twice. */
  close(): Promise<void>;
}

/** Opens channels to a host. */
export interface ChannelConnector {
  /** Connects to host:port; rejects with ERR_HOST_UNREACHABLE after `timeoutMs`. */
  connect(host: string, port: number, timeoutMs: number): Promise<ByteChannel>;
}
