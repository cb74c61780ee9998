/**
 * A full garbage collection on demand, for tests that check an object is no longer reachable (WeakRef).
 * Node's gc() exists only with --expose-gc; setting the flag at run time and taking gc() from a fresh
 * context gives the same function without changing how mocha starts.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Collects until `ref`'s target is gone or `tries` collections (20 ms apart) have not freed it; true if freed. */
export async function collected(ref: WeakRef<object>, tries = 10): Promise<boolean> {
  for (let i = 0; i < tries && ref.deref() !== undefined; i++) {
    // A WeakRef's target stays alive until the current job ends: collect in a later one.
    await new Promise((resolve) => setTimeout(resolve, 20));
    gc();
  }
  return ref.deref() === undefined;
}
