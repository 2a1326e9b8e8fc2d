// Sizes of what the build ships: raw, gzip -9 and brotli bytes of each dist bundle, the
// minified size the ES module would have in a bundler, and which source files take the most
// room in the mini-program file (to find what grew when the build's size budget trips).
// Run: npm run build && npx tsx bench/bundle-size.ts
import { existsSync, readFileSync } from 'node:fs';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build, transform } from 'esbuild';
import { miniProgramOptions } from '../scripts/mini-program-build.js';

const gzip = (b: Buffer | string) => gzipSync(b, { level: 9 }).length;
const brotli = (b: Buffer | string) => brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
const row = (name: string, b: Buffer | string) =>
  console.log(`${name.padEnd(44)} ${String(Buffer.byteLength(b)).padStart(7)} ${String(gzip(b)).padStart(7)} ${String(brotli(b)).padStart(7)}`);

const files = ['dist/VolcEngineRTC_MiniApp.js', 'dist/VolcEngineRTC_MiniApp.debug.js', 'dist/index.mjs'];
for (const f of files) {
  if (!existsSync(f)) {
    console.error(`${f} is missing: run npm run build first`);
    process.exit(1);
  }
}

console.log(`${'file'.padEnd(44)} ${'bytes'.padStart(7)} ${'gzip'.padStart(7)} ${'brotli'.padStart(7)}`);
for (const f of files) row(f, readFileSync(f));
const esmMin = await transform(readFileSync('dist/index.mjs', 'utf8'), { minify: true, format: 'esm', target: 'es2017', legalComments: 'none' });
row('dist/index.mjs, minified as a bundler would', esmMin.code);

// Where the bytes of the minified mini-program file come from (the build's options).
const meta = await build({ ...(await miniProgramOptions()), write: false, metafile: true, logLevel: 'silent' });
const inputs = Object.entries(Object.values(meta.metafile.outputs)[0]!.inputs)
  .map(([file, v]) => [file, v.bytesInOutput] as const)
  .sort((a, b) => b[1] - a[1]);
console.log('\nlargest sources in the minified file (bytes before gzip):');
for (const [file, bytes] of inputs.slice(0, 10)) console.log(`  ${String(bytes).padStart(6)}  ${file}`);
