/**
 * Child process for bench/fanout-load: opens N v2 listeners to 127.0.0.1:PORT asking for CODEC (answering
 * the access-code challenge when CODE is given), reads and discards, and after SECONDS prints JSON
 * {bytes, listeners} on stdout. Runs apart from the host so the host's CPU figure is the host's alone.
 */
import { connect, type Socket } from 'node:net';
import { parseChallenge } from '../../src/core/handshake.js';
import { ListenerAccess } from '../../src/core/listener-access.js';
import { decodeJsonBody, encodeJsonFrame, encodePing, FrameReader, FrameType } from '../../src/core/v2-frames.js';

const [portText, countText, codec, secondsText, code] = process.argv.slice(2);
const port = Number(portText);
const count = Number(countText);
const seconds = Number(secondsText);
let bytes = 0;
let connected = 0;
const sockets: Socket[] = [];
for (let i = 0; i < count; i++) {
  const access = new ListenerAccess(code);
  let reader: FrameReader | undefined = code === undefined ? undefined : new FrameReader();
  const socket = connect({ host: '127.0.0.1', port }, () => {
    connected++;
    socket.write(encodeJsonFrame(FrameType.Hello, { protocol: 2, codecs: [codec], name: `load ${i}`, nonce: access.nonce.toString('base64') }));
  });
  socket.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    // Until the Welcome, answer the challenge; after it, only count bytes like the open listeners do.
    for (const frame of reader?.push(chunk) ?? []) {
      if (frame.type === FrameType.Challenge) {
        const proof = access.answer(parseChallenge(decodeJsonBody(frame.body)));
        socket.write(encodeJsonFrame(FrameType.Auth, { proof: proof.toString('base64') }));
      }
      if (frame.type === FrameType.Welcome) reader = undefined;
    }
  });
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
