// npm run build: declarations (tsc) -> API report and .d.ts rollup (api-extractor) -> bundles
// (esbuild). On CI (CI=true) api-extractor runs in its non-local mode: a public surface that
// differs from etc/*.api.md fails the build instead of rewriting the report.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';
import { build } from 'esbuild';
import { COMMON, GZIP_BUDGET, miniProgramCode } from './mini-program-build.js';

//   --bundles-only   skip declarations and the API report (the drop-in tests build this way)
//   --outdir DIR     write the bundles to DIR instead of dist/
// MPRTC_GZIP_BUDGET=N overrides the size budget (bytes, gzipped) of the mini-program file.
const local = process.env.CI !== 'true' && !process.argv.includes('--ci');
const bundlesOnly = process.argv.includes('--bundles-only');
const outIndex = process.argv.indexOf('--outdir');
const outdir = outIndex >= 0 ? (process.argv[outIndex + 1] ?? 'dist') : 'dist';

if (!bundlesOnly) declarations();

function declarations(): void {
  rmSync('temp/types', { recursive: true, force: true });
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });

  const config = ExtractorConfig.loadFileAndPrepare('api-extractor.json');
  const result = Extractor.invoke(config, { localBuild: local, showVerboseMessages: false });
  if (!result.succeeded) {
    console.error(
      result.apiReportChanged && !local
        ? 'The public API changed but etc/ was not updated: run `npm run build` locally and commit the report.'
        : `api-extractor: ${result.errorCount} errors, ${result.warningCount} warnings`,
    );
    process.exit(1);
  }
  if (result.apiReportChanged) console.log('etc/: the API report changed; review and commit it.');
  // The same declarations as an ES module's, for TypeScript users who import (exports "import").
  copyFileSync('dist/VolcEngineRTC_MiniApp.d.ts', 'dist/index.d.mts');
}

// The mini-program file, required as require('./VolcEngineRTC_MiniApp'): one CommonJS file,
// minified, no Node built-ins (platform neutral: an import of one fails the build), ES2017
// (scripts/mini-program-build.ts). The ES module is for bundlers: not minified, their own
// minifier and source maps do better.
// A readable copy of the CommonJS file (.debug.js) helps when stepping through in devtools.
const budget = Number(process.env.MPRTC_GZIP_BUDGET ?? GZIP_BUDGET);
const common = { ...COMMON, entryPoints: ['src/index.ts'] };
mkdirSync(outdir, { recursive: true });
const cjs = join(outdir, 'VolcEngineRTC_MiniApp.js');
writeFileSync(cjs, await miniProgramCode());
await build({ ...common, format: 'cjs', outfile: join(outdir, 'VolcEngineRTC_MiniApp.debug.js') });
await build({ ...common, format: 'esm', outfile: join(outdir, 'index.mjs') });
// The root package.json says "type": "module", which would make Node load the .js files as ES
// modules; this one, nearest to them, says they are CommonJS (.mjs stays ESM by its extension).
writeFileSync(join(outdir, 'package.json'), '{ "type": "commonjs" }\n');

const gz = gzipSync(readFileSync(cjs), { level: 9 }).length;
if (!(gz <= budget)) {
  console.error(
    `size budget exceeded: ${cjs} is ${gz} bytes gzipped, the budget is ${budget}. ` +
      'Find what grew (npm run bench:size), or raise GZIP_BUDGET in scripts/mini-program-build.ts on purpose.',
  );
  process.exit(1);
}
console.log(`built ${cjs} (${gz} bytes gzipped, budget ${budget}), .debug.js, index.mjs` + (bundlesOnly ? '' : ', VolcEngineRTC_MiniApp.d.ts'));
