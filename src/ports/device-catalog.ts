/** The machine's audio devices, as a person picks them. */

/** One capture (loopback/monitor) or output device. */
export interface AudioDevice {
  /** Stable across restarts and re-plugging (derived from the backend's device name, not its index). */
  readonly id: string;
  /** Name a person recognises. */
  readonly name: string;
  /** 'capture': a loopback/monitor source of system audio; 'output': somewhere to play. */
  readonly kind: 'capture' | 'output';
  /** True for the system's default of this kind. */
  readonly isDefault: boolean;
}

/** Lists devices; the adapter behind it talks to the OS audio system. */
export interface DeviceCatalog {
  /** Every capture and output device now present; rejects with ERR_AUDIO_BACKEND if the audio system is unreachable. */
  list(): Promise<AudioDevice[]>;
}
