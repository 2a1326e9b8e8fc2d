// npm run build: declarations (tsc) -> API report and .d.ts rollup (api-extractor) -> bundles
// (esbuild). On CI (CI=true) api-extractor runs in its non-local mode: a public surface that
// differs from etc/*.api.md fails the build instead of rewriting the report.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';
import { build } from 'esbuild';

const local = process.env.CI !== 'true' && !process.argv.includes('--ci');

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

// One CommonJS file for mini-programs (require('./VolcEngineRTC_MiniApp')) and an ES module for
// bundlers. ES2017 is what current WeChat base libraries run without extra transpiling.
const common = { entryPoints: ['src/index.ts'], bundle: true, platform: 'neutral' as const, target: 'es2017', legalComments: 'none' as const, logLevel: 'warning' as const };
await build({ ...common, format: 'cjs', outfile: 'dist/VolcEngineRTC_MiniApp.js' });
await build({ ...common, format: 'esm', outfile: 'dist/index.mjs' });
console.log('built dist/VolcEngineRTC_MiniApp.js, dist/index.mjs, dist/VolcEngineRTC_MiniApp.d.ts');
