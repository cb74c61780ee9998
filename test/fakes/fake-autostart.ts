/** An Autostart kept in memory; `refuse` makes setEnabled fail like a locked registry. */
import type { Autostart } from '../../src/ports/desktop.js';

export class FakeAutostart implements Autostart {
  readonly supported = true;
  readonly location = 'memory';
  enabled = false;
  refuse = false;

  async isEnabled(): Promise<boolean> {
    return this.enabled;
  }

  async setEnabled(enabled: boolean): Promise<void> {
    if (this.refuse) throw new Error('access denied');
    this.enabled = enabled;
  }
}
