// The esbuild options of the mini-program file (dist/VolcEngineRTC_MiniApp.js), shared by the build
// and bench/bundle-size.ts so the bench measures exactly what ships.
import { build, type BuildOptions } from 'esbuild';
import { densePlugin } from './dense-constants.js';

// Target ES2017: what the JavaScript engines of current WeChat clients (iOS JavaScriptCore,
// Android V8) run natively, so the file works whether or not the devtools' "ES6 to ES5" option is on.
export const COMMON = {
  bundle: true,
  platform: 'neutral',
  target: 'es2017',
  legalComments: 'none',
  logLevel: 'warning',
} satisfies BuildOptions;

/**
 * The most the mini-program file may weigh, gzip -9 bytes: the build fails above it
 * (MPRTC_GZIP_BUDGET overrides it for one run). Issue #15's "10 KB", counted as 10,000 bytes.
 */
export const GZIP_BUDGET = 10_000;

/** The names src/index.ts exports as values (Client, ERROR_CODES, ...), read from an ES module build. */
export async function publicValues(): Promise<string[]> {
  const r = await build({ ...COMMON, entryPoints: ['src/index.ts'], format: 'esm', write: false, metafile: true, logLevel: 'silent' });
  return Object.values(r.metafile.outputs)[0]!.exports;
}

/**
 * One minified CommonJS file. Its entry assigns module.exports itself: from an ES module entry
 * esbuild would add its export helpers (__export, __toCommonJS: getters, an __esModule flag).
 * Members ending in '_' are private to the runtime (docs/runtime.md): renamed like local names.
 * ERROR_CODES and EVENTS are built from their names (scripts/dense-constants.ts).
 */
export async function miniProgramOptions(): Promise<BuildOptions> {
  const names = (await publicValues()).join(', ');
  return {
    ...COMMON,
    stdin: {
      contents: `import { ${names} } from './src/index.ts';\nmodule.exports = { ${names} };\n`,
      resolveDir: process.cwd(),
      sourcefile: 'mini-program-entry.ts',
      loader: 'ts',
    },
    format: 'cjs',
    minify: true,
    mangleProps: /_$/,
    plugins: [densePlugin],
  };
}
