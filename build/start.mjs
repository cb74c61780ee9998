// `npm start`: on a fresh machine, installs what is missing (system packages, npm packages), builds,
// then starts AuraLync in the system tray. Arguments after `npm start --` go to the app (e.g. `-- host`).
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

function run(command, args) {
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

if (process.platform === 'linux') run('bash', ['build/setup-system.sh', 'app']);
const installed = existsSync('node_modules/.package-lock.json');
if (!installed || statSync('package-lock.json').mtimeMs > statSync('node_modules/.package-lock.json').mtimeMs) {
  run('npm', ['install', '--no-audit', '--no-fund']);
}
run('npx', ['tsc', '-p', 'tsconfig.json']);
const args = process.argv.slice(2);
const app = spawnSync(process.execPath, ['out/src/main.js', ...args], { stdio: 'inherit' });
process.exit(app.status ?? 1);
