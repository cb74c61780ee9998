/**
 * Keeps a jitter buffer at its target by playing very slightly faster or slower (issue 6). The host's capture
 * clock and the listener's playback clock differ by tens to hundreds of ppm; uncorrected, the buffer creeps
 * until it overflows or runs dry (Snapcast on these machines: +25 ms per minute). A PI controller on the
 * smoothed buffer level turns the level error into a playback speed correction; its integral settles on the
 * clocks' true ratio, reported as the drift estimate.
 */

/** Level errors at least this large [ms] are not integrated, nor is the way back from them (see update()). */
const INTEGRATE_BELOW_MS = 10;

/** Tuning of a DriftController. */
export interface DriftControllerOptions {
  /** Proportional gain [ppm per ms of level error]: 100 → a 10 ms error is corrected at 1 ms/s. */
  readonly kpPpmPerMs?: number;
  /** Integral time [s]: how long the controller takes to learn a steady clock drift. */
  readonly integralTimeS?: number;
  /** Smoothing of the buffer level [s] (packets arrive in bursts; the level is a sawtooth). */
  readonly smoothingS?: number;
  /** Largest speed correction [ppm]; 2000 ppm = 0.2 %, a pitch change of 3.5 cents, inaudible. */
  readonly maxPpm?: number;
}

/** PI controller: buffer level in, playback speed correction out. */
export class DriftController {
  private readonly kp: number;
  private readonly ki: number;
  private readonly smoothingS: number;
  private readonly maxPpm: number;
  private smoothedMs: number | undefined;
  private integralPpm = 0;
  private outputPpm = 0;
  private lastTargetMs: number | undefined;
  /** Length of a glide [s]: three time constants of the proportional term. */
  private readonly glideS: number;
  /** Seconds left of the glide to a new target, during which nothing is learned (see update()). */
  private glideLeftS = 0;

  constructor(options: DriftControllerOptions = {}) {
    this.kp = options.kpPpmPerMs ?? 100;
    const integralTimeS = options.integralTimeS ?? 30;
    this.smoothingS = options.smoothingS ?? 1;
    this.maxPpm = options.maxPpm ?? 2000;
    if (!(this.kp > 0) || !(integralTimeS > 0) || !(this.smoothingS > 0) || !(this.maxPpm > 0)) {
      throw new RangeError('drift controller gains and times must be positive');
    }
    this.ki = this.kp / integralTimeS;
    this.glideS = (3 * 1000) / this.kp;
  }

  /**
   * Feeds one observation: the buffer level and target [ms] after `elapsedS` seconds of playback.
   * Returns the speed correction [ppm]: positive = consume buffered audio faster than real time.
   */
  update(bufferedMs: number, targetMs: number, elapsedS: number): number {
    if (!(elapsedS > 0) || !Number.isFinite(bufferedMs) || !Number.isFinite(targetMs)) return this.outputPpm;
    const alpha = 1 - Math.exp(-elapsedS / this.smoothingS);
    this.smoothedMs = this.smoothedMs === undefined ? bufferedMs : this.smoothedMs + alpha * (bufferedMs - this.smoothedMs);
    const errorMs = this.smoothedMs - targetMs;
    // A new target is a step in the error, not clock drift: while the level glides to it (three time
    // constants of the proportional term, ~95 % of the way) nothing is learned. Without this, each 10 ms
    // step down of an adaptive target taught the integral ~250 ppm that was not there (bench/wifi-link), and
    // the buffer then ran ~10 ms short of its target for a minute while the integral unlearned it.
    if (this.lastTargetMs !== undefined && targetMs !== this.lastTargetMs) this.glideLeftS = this.glideS;
    this.lastTargetMs = targetMs;
    // So is a big error (a burst, or the sink taking nothing for a while: PulseAudio on a busy machine), and
    // so is the way back from it. Learned while the level fell back, such stalls had a listener whose sink ran
    // ~190 ppm fast estimate +463..+1006 ppm on a VM losing 3-10 % of its CPU (simulated, 30 ms every 20 s: +902
    // for a true -200; now 0, the proportional term holding the level).
    if (Math.abs(errorMs) >= INTEGRATE_BELOW_MS) this.glideLeftS = this.glideS;
    const gliding = this.glideLeftS > 0;
    this.glideLeftS = Math.max(0, this.glideLeftS - elapsedS);
    // Only small errors teach the integral: a big one is a target change or a burst, not clock drift, and
    // learning from it would wind the drift estimate up (seen: -757 ppm after one re-target). Anti-windup
    // also caps the integral at the output limit.
    if (!gliding) {
      this.integralPpm = clamp(this.integralPpm + this.ki * errorMs * elapsedS, -this.maxPpm, this.maxPpm);
    }
    this.outputPpm = clamp(this.kp * errorMs + this.integralPpm, -this.maxPpm, this.maxPpm);
    return this.outputPpm;
  }

  /** Current speed correction [ppm]. */
  get correctionPpm(): number {
    return this.outputPpm;
  }

  /** Estimated clock drift [ppm] (host faster than listener is positive): the integral term. */
  get driftPpm(): number {
    return this.integralPpm;
  }

  /** Smoothed buffer level [ms], undefined before the first update. */
  get smoothedLevelMs(): number | undefined {
    return this.smoothedMs;
  }

  /**
   * Forgets the level history (a re-buffer or a new connection); the learned drift is kept, the clocks did
   * not change. What arrives next (a held-back burst) is no evidence of drift either: a glide starts, as on
   * a target change (after one 53 ms stall the integral learned 250 ppm that was not there).
   */
  resetLevel(): void {
    this.smoothedMs = undefined;
    this.glideLeftS = this.glideS;
  }
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}
