import assert from 'node:assert/strict';
import { AudifyDeviceCatalog, deviceIdFor, monitorDevices } from '../../src/adapters/audio/audify-device-catalog.js';
import type { RtAudioInstance, RtDeviceInfo } from '../../src/adapters/audio/audify-module.js';
import { parseDefaultSink, parseMonitorSources } from '../../src/adapters/audio/pulse-monitor-sources.js';

/** `pactl list sources` as PipeWire's pulse server prints it (trimmed): a monitor whose properties repeat its sink's description, and a microphone. */
const PIPEWIRE_SOURCES = `Source #45
\tState: SUSPENDED
\tName: alsa_output.pci-0000_00_1f.3.analog-stereo.monitor
\tDescription: Monitor of Built-in Audio Analog Stereo
\tDriver: PipeWire
\tMonitor of Sink: alsa_output.pci-0000_00_1f.3.analog-stereo
\tLatency: 0 usec, configured 0 usec
\tProperties:
\t\tdevice.description = "Built-in Audio"
\t\tnode.name = "alsa_output.pci-0000_00_1f.3.analog-stereo"

Source #46
\tState: RUNNING
\tName: alsa_input.pci-0000_00_1f.3.analog-stereo
\tDescription: Built-in Audio Analog Stereo
\tMonitor of Sink: n/a
\tProperties:
\t\tdevice.description = "Built-in Audio"

Source #52
\tName: al_out.monitor
\tDescription: Monitor of al_out
\tMonitor of Sink: al_out
`;

describe('monitors from pactl (PipeWire)', () => {
  it('takes the monitor sources, not microphones, by their own fields, not their properties', () => {
    assert.deepEqual(parseMonitorSources(PIPEWIRE_SOURCES), [
      { name: 'alsa_output.pci-0000_00_1f.3.analog-stereo.monitor', description: 'Monitor of Built-in Audio Analog Stereo', monitorOf: 'alsa_output.pci-0000_00_1f.3.analog-stereo' },
      { name: 'al_out.monitor', description: 'Monitor of al_out', monitorOf: 'al_out' },
    ]);
    assert.deepEqual(parseMonitorSources('garbage\n\tMonitor of Sink: orphan\n'), []);
  });

  it('reads the default sink from pactl info', () => {
    assert.equal(parseDefaultSink('Server Name: PulseAudio (on PipeWire 0.3.65)\nDefault Sink: al_src\nDefault Source: al_src.monitor\n'), 'al_src');
    assert.equal(parseDefaultSink('Server Name: x\n'), undefined);
  });

  it('names them as PulseAudio does, so a chosen device keeps its id; the default sink\'s monitor is the default', () => {
    const devices = monitorDevices(parseMonitorSources(PIPEWIRE_SOURCES), 'al_out');
    assert.deepEqual(
      devices.map((d) => [d.id, d.name, d.isDefault, d.pulseSource]),
      [
        [deviceIdFor('capture', 'Monitor of Built-in Audio Analog Stereo'), 'Monitor of Built-in Audio Analog Stereo', false, 'alsa_output.pci-0000_00_1f.3.analog-stereo.monitor'],
        [deviceIdFor('capture', 'Monitor of al_out'), 'Monitor of al_out', true, 'al_out.monitor'],
      ],
    );
  });

  describe('in the device catalog', () => {
    const rtWith = (infos: RtDeviceInfo[]) => () => ({ getDevices: () => infos }) as unknown as RtAudioInstance;
    const device = (id: number, name: string, inputChannels: number, outputChannels: number): RtDeviceInfo => ({ id, name, inputChannels, outputChannels, isDefaultInput: false, isDefaultOutput: id === 1 });

    it('adds them on Linux when audify lists no monitor (each folded into its sink)', async () => {
      let asked = 0;
      const catalog = new AudifyDeviceCatalog({
        platform: 'linux',
        createRtAudio: rtWith([device(1, 'al_src', 2, 2), device(2, 'al_out', 2, 2)]),
        listMonitors: () => {
          asked++;
          return Promise.resolve({ monitors: [{ name: 'al_src.monitor', description: 'Monitor of al_src', monitorOf: 'al_src' }], defaultSink: 'al_src' });
        },
      });
      const listed = await catalog.list();
      assert.deepEqual(
        listed.map((d) => `${d.kind} ${d.name}${d.isDefault ? ' *' : ''}`),
        ['capture Monitor of al_src *', 'output al_src *', 'output al_out'],
      );
      assert.equal(asked, 1);
      const backend = await catalog.backendDevices();
      assert.equal(backend[0]?.pulseSource, 'al_src.monitor', 'opened through parec by its source name');
    });

    it('does not ask pactl when audify lists monitors itself (PulseAudio), nor anywhere but Linux', async () => {
      const never = () => Promise.reject(new Error('pactl asked'));
      const pulse = new AudifyDeviceCatalog({ platform: 'linux', createRtAudio: rtWith([device(1, 'al_src', 0, 2), device(2, 'Monitor of al_src', 2, 0)]), listMonitors: never });
      assert.deepEqual((await pulse.list()).map((d) => `${d.kind} ${d.name}`), ['capture Monitor of al_src', 'output al_src']);
      const windows = new AudifyDeviceCatalog({ platform: 'win32', createRtAudio: rtWith([device(1, 'Speakers', 0, 2)]), listMonitors: never });
      assert.deepEqual((await windows.list()).map((d) => `${d.kind} ${d.name}`), ['capture Speakers', 'output Speakers']);
    });

    it('without pactl lists what audify lists', async () => {
      const catalog = new AudifyDeviceCatalog({ platform: 'linux', createRtAudio: rtWith([device(1, 'al_src', 2, 2)]), listMonitors: () => Promise.resolve(undefined) });
      assert.deepEqual((await catalog.list()).map((d) => `${d.kind} ${d.name}`), ['output al_src']);
    });
  });
});
