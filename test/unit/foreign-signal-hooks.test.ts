/** Loading a module without the signal hooks it installs (conf's when-exit re-raises every signal). */
import assert from 'node:assert/strict';
import { importWithoutSignalHooks } from '../../src/adapters/foreign-signal-hooks.js';

describe('importWithoutSignalHooks', () => {
  it('removes the signal listeners the import added, keeps the ones before it and its exit hook', async () => {
    const ours = () => {};
    process.on('SIGTERM', ours);
    try {
      const counts = () => ['SIGTERM', 'SIGHUP', 'exit'].map((name) => process.listenerCount(name));
      const [term, hup, exit] = counts();
      const loaded = await importWithoutSignalHooks(() => import('../fakes/signal-hooking-module.js'));
      assert.deepEqual(loaded.calls, [], 'the module was loaded');
      assert.deepEqual(counts(), [term, hup, (exit as number) + 1], 'its SIGTERM and SIGHUP hooks are gone, its exit hook stays');
      assert.ok(process.listeners('SIGTERM').includes(ours), 'a listener from before is kept');
    } finally {
      process.removeListener('SIGTERM', ours);
    }
  });

  it('passes a failed load on, and still removes what it added', async () => {
    const term = process.listenerCount('SIGTERM');
    await assert.rejects(
      importWithoutSignalHooks(async () => {
        process.once('SIGTERM', () => {});
        throw new Error('cannot load');
      }),
      /cannot load/,
    );
    assert.equal(process.listenerCount('SIGTERM'), term);
  });
});
