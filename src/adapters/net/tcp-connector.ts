/** ChannelConnector over node:net. */
import { connect } from 'node:net';
import { AuraError } from '../../core/errors.js';
import type { ByteChannel, ChannelConnector } from '../../ports/transport.js';
import { TcpChannel } from './tcp-channel.js';

/** Opens TCP connections with a timeout and a one-line reason on failure. */
export class TcpConnector implements ChannelConnector {
  connect(host: string, port: number, timeoutMs: number): Promise<ByteChannel> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port, noDelay: true });
      const fail = (why: string) => {
        clearTimeout(timer);
        socket.destroy();
        reject(new AuraError('ERR_HOST_UNREACHABLE', `cannot reach ${host}:${port}: ${why}`));
      };
      const timer = setTimeout(() => fail(`no answer within ${timeoutMs} ms`), timeoutMs);
      socket.once('error', (err: NodeJS.ErrnoException) => {
        const why =
          err.code === 'ECONNREFUSED' ? 'connection refused (is the host running?)'
          : err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN' ? 'unknown host name'
          : err.code === 'EHOSTUNREACH' || err.code === 'ENETUNREACH' ? 'no route to host'
          : err.message;
        fail(why);
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new TcpChannel(socket));
      });
    });
  }
}
