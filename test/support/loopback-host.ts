/** A real HostSession on 127.0.0.1 playing a WAV file in real time, for integration tests and benchmarks. */
import { loadAudioBackend } from '../../src/adapters/audio/audio-backend.js';
import { FileSource } from '../../src/adapters/audio/file-source.js';
import { TcpServer } from '../../src/adapters/net/tcp-server.js';
import { systemClock } from '../../src/adapters/system-clock.js';
import { HostSession, type HostOptions } from '../../src/app/host-session.js';
import type { CodecName } from '../../src/core/handshake.js';

/** Starts a host on 127.0.0.1 (any free port unless given) fed by `input`; Opus needs the audio backend. */
export async function startLoopbackHost(
  input: string,
  codec: CodecName,
  extra: Partial<Pick<HostOptions, 'port' | 'maxListeners' | 'hostName' | 'accessCode'>> = {},
): Promise<HostSession> {
  const backend = await loadAudioBackend({ required: codec === 'opus' });
  const host = new HostSession({
    source: new FileSource(input, systemClock),
    server: new TcpServer(),
    clock: systemClock,
    port: extra.port ?? 0,
    bindAddress: '127.0.0.1',
    codec,
    hostName: extra.hostName ?? 'test host',
    opusEncoderFactory: backend?.opusEncoderFactory,
    maxListeners: extra.maxListeners,
    accessCode: extra.accessCode,
  });
  await host.start();
  return host;
}
