/**
 * The fragment AuraLync's capture asks a PulseAudio or PipeWire server for [ms]: audify's stream on PulseAudio
 * (PULSE_LATENCY_MSEC for that stream only; a value the user set wins) and parec's (--latency-msec) on PipeWire.
 *
 * The monitor hands audio over a fragment at a time: it is the capture's share of the end-to-end delay, and
 * each listener's buffer must ride out one fragment's wait (with 20 ms fragments, as until 2026-12-02,
 * listeners got 20 ms bursts). bench/vs-snapcast, PCM at `--latency` 10 on a real-time PulseAudio, 60 s tones,
 * four tries each interleaved (2026-12-05): with 10 ms fragments 33.0-36.9 ms end to end and the listener
 * measuring 15-19 ms of jitter on loopback; with 5, 27.6-35.7 ms and 8-14 (20 s tones, six tries each:
 * 34.2-38.8 against 29.6-33.7 ms, clean in 2 against 3).
 *
 * The cost: on PulseAudio a monitor's fragment sets its sink's latency, so the sink wakes twice as often as
 * at 10: PulseAudio and the host took 0.3-1.0 and 0.6-2.3 % more of a core here (30 s each). PipeWire runs the
 * captured device's graph in the largest power-of-two quantum within the stream's latency, 256 frames (5.3 ms)
 * at least: 256 for both 5 and 10 ms (pw-top, 2026-12-05), so there 5 wakes nothing more often; a 10 ms
 * fragment came as 10 ms reads every 5.3 or 10.6 ms, 5 ms as 5.3 ms reads every 5.3 ms (docs/latency.md).
 */
export const CAPTURE_FRAGMENT_MS = 5;
