/**
 * Child process for bench/fanout-load: opens N v2 listeners to 127.0.0.1:PORT asking for CODEC, reads and
 * discards, and after SECONDS prints JSON {bytes, listeners} on stdout. Runs apart from the host so the host's
 * CPU figure is the host's alone.
 */
import { connect, type Socket } from 'node:net';
import { encodeJsonFrame, encodePing, FrameType } from '../../src/core/v2-frames.js';

const [portText, countText, codec, secondsText] = process.argv.slice(2);
const port = Number(portText);
const count = Number(countText);
const seconds = Number(secondsText);
let bytes = 0;
let connected = 0;
const sockets: Socket[] = [];
for (let i = 0; i < count; i++) {
  const socket = connect({ host: '127.0.0.1', port }, () => {
    connected++;
    socket.write(encodeJsonFrame(FrameType.Hello, { protocol: 2, codecs: [codec], name: `load ${i}` }));
  });
  socket.on('data', (chunk: Buffer) => (bytes += chunk.length));
  socket.on('error', () => {});
  sockets.push(socket);
}
const ping = setInterval(() => {
  for (const socket of sockets) if (!socket.destroyed) socket.write(encodePing(performance.now()));
}, 1000);
// Measure only once all are connected and the stream has settled.
setTimeout(() => {
  const startBytes = bytes;
  setTimeout(() => {
    clearInterval(ping);
    process.stdout.write(JSON.stringify({ bytes: bytes - startBytes, listeners: connected }) + '\n');
    for (const socket of sockets) socket.destroy();
    process.exit(0);
  }, seconds * 1000);
}, 1500);
