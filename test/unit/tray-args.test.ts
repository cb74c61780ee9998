import assert from 'node:assert/strict';
import { parseCommand, USAGE } from '../../src/app/cli-args.js';
import { isAuraError } from '../../src/core/errors.js';

describe('command line: the tray', () => {
  it('no arguments starts the tray; --hidden starts it quietly (start at login)', () => {
    assert.deepEqual(parseCommand([]), { kind: 'tray', hidden: false });
    assert.deepEqual(parseCommand(['--hidden']), { kind: 'tray', hidden: true });
  });

  it('--hidden takes nothing after it', () => {
    assert.throws(() => parseCommand(['--hidden', 'host']), (err) => isAuraError(err, 'ERR_USAGE'));
  });

  it('the help mentions the tray start', () => {
    assert.match(USAGE, /auralync \[--hidden\]\n\s+Start in the system tray/);
  });
});
