import assert from 'node:assert/strict';
import { AudifyDeviceCatalog, deviceIdFor, pickDevice, pulseDevices } from '../../src/adapters/audio/audify-device-catalog.js';
import type { RtAudioInstance, RtDeviceInfo } from '../../src/adapters/audio/audify-module.js';
import { parseDefaultSink, parseMonitorSources } from '../../src/adapters/audio/pulse-devices.js';
import { parseSinks } from '../../src/adapters/audio/pulse-sink-names.js';

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

/** `pactl list sinks` (trimmed): two sinks of one card, whose `device.description` property is the card's on PipeWire. */
const PIPEWIRE_SINKS = `Sink #44
\tName: alsa_output.pci-0000_00_1f.3.analog-stereo
\tDescription: Built-in Audio Analog Stereo
\tProperties:
\t\tdevice.description = "Built-in Audio"

Sink #47
\tName: alsa_output.pci-0000_00_1f.3.hdmi-stereo
\tDescription: Built-in Audio Digital Stereo (HDMI)
\tProperties:
\t\tdevice.description = "Built-in Audio"
`;

describe('devices from pactl (PipeWire)', () => {
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

  it('names them as PulseAudio does, so a chosen device keeps its id; the default sink and its monitor are the defaults', () => {
    const devices = pulseDevices({ monitors: parseMonitorSources(PIPEWIRE_SOURCES), sinks: parseSinks(PIPEWIRE_SINKS), defaultSink: 'alsa_output.pci-0000_00_1f.3.analog-stereo' });
    assert.deepEqual(
      devices.map((d) => [d.kind, d.id, d.name, d.isDefault, d.pulseSource ?? d.pulseSink]),
      [
        ['capture', deviceIdFor('capture', 'Monitor of Built-in Audio Analog Stereo'), 'Monitor of Built-in Audio Analog Stereo', true, 'alsa_output.pci-0000_00_1f.3.analog-stereo.monitor'],
        ['capture', deviceIdFor('capture', 'Monitor of al_out'), 'Monitor of al_out', false, 'al_out.monitor'],
        ['output', deviceIdFor('output', 'Built-in Audio Analog Stereo'), 'Built-in Audio Analog Stereo', true, 'alsa_output.pci-0000_00_1f.3.analog-stereo'],
        ['output', deviceIdFor('output', 'Built-in Audio Digital Stereo (HDMI)'), 'Built-in Audio Digital Stereo (HDMI)', false, 'alsa_output.pci-0000_00_1f.3.hdmi-stereo'],
      ],
    );
    const twins = pulseDevices({ monitors: [], sinks: [{ name: 'usb1', description: 'USB Headset' }, { name: 'usb2', description: 'USB Headset' }], defaultSink: undefined });
    assert.deepEqual(twins.map((d) => d.id), [deviceIdFor('output', 'USB Headset'), `${deviceIdFor('output', 'USB Headset')}-2`], 'two of a kind both listed, with distinct ids');
  });

  describe('in the device catalog', () => {
    const rtWith = (infos: RtDeviceInfo[]) => () => ({ getDevices: () => infos }) as unknown as RtAudioInstance;
    const device = (id: number, name: string, inputChannels: number, outputChannels: number): RtDeviceInfo => ({ id, name, inputChannels, outputChannels, isDefaultInput: false, isDefaultOutput: id === 1 });

    it('takes them from pactl on Linux when audify lists no monitor (each folded into its sink)', async () => {
      let asked = 0;
      const catalog = new AudifyDeviceCatalog({
        platform: 'linux',
        // What audify lists on PipeWire: each sink with its monitor folded in, two sinks of one card as one.
        createRtAudio: rtWith([device(1, 'Built-in Audio', 2, 2), device(2, 'al_out', 2, 2)]),
        serverChanges: () => undefined,
        listPulse: () => {
          asked++;
          return Promise.resolve({
            monitors: [{ name: 'al_out.monitor', description: 'Monitor of al_out', monitorOf: 'al_out' }],
            sinks: [{ name: 'al_out', description: 'al_out' }, { name: 'analog', description: 'Built-in Audio Analog Stereo' }, { name: 'hdmi', description: 'Built-in Audio Digital Stereo (HDMI)' }],
            defaultSink: 'al_out',
          });
        },
      });
      const listed = await catalog.list();
      assert.deepEqual(
        listed.map((d) => `${d.kind} ${d.name}${d.isDefault ? ' *' : ''}`),
        ['capture Monitor of al_out *', 'output al_out *', 'output Built-in Audio Analog Stereo', 'output Built-in Audio Digital Stereo (HDMI)'],
      );
      assert.equal(asked, 1);
      const backend = await catalog.backendDevices();
      assert.deepEqual([backend[0]?.pulseSource, backend[3]?.pulseSink], ['al_out.monitor', 'hdmi'], 'opened by their names: parec, pacat');
    });

    it('does not ask pactl when audify lists monitors itself (PulseAudio), nor anywhere but Linux', async () => {
      const never = () => Promise.reject(new Error('pactl asked'));
      const pulse = new AudifyDeviceCatalog({ platform: 'linux', createRtAudio: rtWith([device(1, 'al_src', 0, 2), device(2, 'Monitor of al_src', 2, 0)]), listPulse: never, serverChanges: () => undefined });
      assert.deepEqual((await pulse.list()).map((d) => `${d.kind} ${d.name}`), ['capture Monitor of al_src', 'output al_src']);
      const windows = new AudifyDeviceCatalog({ platform: 'win32', createRtAudio: rtWith([device(1, 'Speakers', 0, 2)]), listPulse: never });
      assert.deepEqual((await windows.list()).map((d) => `${d.kind} ${d.name}`), ['capture Speakers', 'output Speakers']);
    });

    it('with no capture device at all, the one-line error on Linux says what finds them on PipeWire', () => {
      assert.throws(() => pickDevice([], 'capture', undefined), (err: Error) => {
        const hint = process.platform === 'linux' ? ' (on PipeWire this needs pactl and parec: apt-get install pulseaudio-utils)' : '';
        assert.equal(err.message, `no system-audio capture device found${hint}; run 'auralync devices' to list them`);
        return true;
      });
    });

    it('without pactl lists what audify lists', async () => {
      const catalog = new AudifyDeviceCatalog({ platform: 'linux', createRtAudio: rtWith([device(1, 'al_src', 2, 2)]), listPulse: () => Promise.resolve(undefined), serverChanges: () => undefined });
      assert.deepEqual((await catalog.list()).map((d) => `${d.kind} ${d.name}`), ['output al_src']);
    });

    it("keeps audify's listing on Linux while the server reports no change, and lists again after one or when it cannot say", async () => {
      let probes = 0;
      let change: number | undefined = 7;
      const rt = () => ({ getDevices: () => [device(1, 'al_src', 0, 2), device(2, `Monitor of al_src ${++probes}`, 2, 0)] }) as unknown as RtAudioInstance;
      const catalog = new AudifyDeviceCatalog({ platform: 'linux', createRtAudio: rt, listPulse: () => Promise.reject(new Error('pactl asked')), serverChanges: () => change });
      const capture = async () => (await catalog.list()).find((d) => d.kind === 'capture')?.name;
      assert.equal(await capture(), 'Monitor of al_src 1');
      assert.equal(await capture(), 'Monitor of al_src 1');
      assert.equal(probes, 1);
      change = 8; // a sink or source came or went
      assert.equal(await capture(), 'Monitor of al_src 2');
      assert.equal(await capture(), 'Monitor of al_src 2');
      change = undefined; // no subscription: every call lists
      assert.equal(await capture(), 'Monitor of al_src 3');
      assert.equal(await capture(), 'Monitor of al_src 4');
      const windows = new AudifyDeviceCatalog({ platform: 'win32', createRtAudio: rt, serverChanges: () => 1 });
      await windows.list();
      await windows.list();
      assert.equal(probes, 6, 'elsewhere every call lists');
    });
  });
});
