/** ChannelServer over node:net. */
import { createServer, type Server, type Socket } from 'node:net';
import { AuraError } from '../../core/errors.js';
import type { ByteChannel, ChannelServer } from '../../ports/transport.js';
import { TcpChannel } from './tcp-channel.js';

/** Accepts TCP connections; each becomes a TcpChannel. */
export class TcpServer implements ChannelServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private handler: (channel: ByteChannel) => void = (channel) => channel.destroy();
  private closing: Promise<void> | undefined;

  constructor() {
    this.server = createServer({ noDelay: true, allowHalfOpen: false }, (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      this.handler(new TcpChannel(socket));
    });
  }

  listen(port: number, host?: string): Promise<number> {
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      return Promise.reject(new AuraError('ERR_BAD_PORT', `port ${port} is not valid; use 1-65535`));
    }
    return new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => {
        if (err.code === 'EADDRINUSE') reject(new AuraError('ERR_PORT_IN_USE', `port ${port} is already in use; pick another with --port`));
        else if (err.code === 'EACCES') reject(new AuraError('ERR_BAD_PORT', `no permission to listen on port ${port}; use a port above 1023`));
        else reject(new AuraError('ERR_BAD_PORT', `cannot listen on port ${port}: ${err.message}`));
      };
      this.server.once('error', onError);
      this.server.listen({ port, host }, () => {
        this.server.off('error', onError);
        const address = this.server.address();
        resolve(typeof address === 'object' && address !== null ? address.port : port);
      });
    });
  }

  onConnection(handler: (channel: ByteChannel) => void): void {
    this.handler = handler;
  }

  close(): Promise<void> {
    this.closing ??= new Promise((resolve) => {
      for (const socket of this.sockets) socket.destroy();
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
    });
    return this.closing;
  }
}
