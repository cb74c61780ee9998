// esbuild `inject` for the single-binary bundle (build/package.mjs): a CommonJS bundle has no
// import.meta, so every `import.meta.url` in src/ is replaced by this value. Inside a packaged binary it
// points into the directory the binary writes its files to (so `createRequire(import.meta.url)` finds the
// extracted package.json); run as a plain bundle it is the bundle file itself.
import { pathToFileURL } from 'node:url';
import { packagedModuleUrl } from '../src/adapters/packaging/sea-assets.ts';

export const auralyncImportMetaUrl = packagedModuleUrl() ?? pathToFileURL(__filename).href;
