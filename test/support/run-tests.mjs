// Runs every compiled test with mocha and ends with the one line CI reads: "N passed, N failed".
// Exits non-zero on any failure, or when no test ran at all.
import Mocha from 'mocha';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const roots = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['out/test/unit', 'out/test/integration'];

function collect(dir) {
  let files = [];
  let entries;
  try { entries = readdirSync(dir); } catch { return files; }
  for (const entry of entries.sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) files = files.concat(collect(path));
    else if (entry.endsWith('.test.js')) files.push(path);
  }
  return files;
}

const mocha = new Mocha({ reporter: 'spec', timeout: 20000 });
const files = roots.flatMap((root) => (root.endsWith('.js') ? [root] : collect(root)));
for (const file of files) mocha.addFile(file);
await mocha.loadFilesAsync();
const runner = mocha.run((failures) => {
  const { passes = 0, pending = 0 } = runner.stats ?? {};
  console.log(`\n${passes} passed, ${failures} failed${pending ? `, ${pending} skipped` : ''}`);
  process.exitCode = failures > 0 || passes === 0 ? 1 : 0;
  // Leftover handles (a device thread, a socket a test forgot) must not hang CI.
  setTimeout(() => process.exit(process.exitCode), 500).unref();
});
