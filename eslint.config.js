// Lint: TypeScript recommended rules, plus the purity boundary of ../shared/STYLE.md:
// core/ and app/ never import I/O modules; they get the world through ports/.
import tseslint from 'typescript-eslint';

const ioModules = [
  'net', 'dgram', 'fs', 'fs/promises', 'os', 'child_process', 'http', 'https', 'tls', 'dns', 'cluster', 'worker_threads',
].flatMap((m) => [m, `node:${m}`]);

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/core/**/*.ts', 'src/app/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ioModules.map((name) => ({ name, message: 'core/ and app/ are pure: reach I/O through a port.' })),
        patterns: [{ group: ['**/adapters/**', 'audify', 'bonjour-service'], message: 'core/ and app/ must not import adapters.' }],
      }],
    },
  },
);
