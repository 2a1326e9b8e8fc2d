// Sizes of what the build ships: raw, gzip -9 and brotli bytes of each dist bundle, the
// minified size the ES module would have in a bundler, and which source files take the most
// room in the mini-program file, raw and gzip -9 in context (to find what grew when the build's
// size budget trips).
// Run: npm run build && npx tsx bench/bundle-size.ts
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build, transform } from 'esbuild';
import { bundledSource } from '../scripts/dense-constants.js';
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

// Where the bytes of the minified mini-program file come from (the build's options). Each source
// is marked with a legal comment (kept by the minifier) so its part of the output can be cut out:
// "gzip" is what the file's gzip -9 size would lose without that part, in context (gzip finds
// repeats across the whole file, so a source's own gzip size would say little).
const options = await miniProgramOptions();
const marked = await build({
  ...options,
  write: false,
  legalComments: 'inline',
  logLevel: 'silent',
  plugins: [
    {
      name: 'mark-sources',
      setup(b) {
        b.onLoad({ filter: /\.ts$/ }, async (a) => ({
          contents: `/*! @@source ${relative(process.cwd(), a.path)} */\n${await bundledSource(a.path)}`,
          loader: 'ts',
        }));
      },
    },
  ],
});
// The build minifies its bundle a second time (miniProgramCode): so does this, marks kept.
const again = await transform(marked.outputFiles![0]!.text, { minify: true, target: options.target, format: 'cjs', legalComments: 'inline' });
const text = again.code;
const clean = text.replace(/\/\*! @@source [^*]*\*\/\n?/g, '');
const whole = gzip(clean);
const parts = text.split(/\/\*! @@source ([^*]*) \*\/\n?/);
const rows: [string, number, number][] = [];
for (let i = 1; i < parts.length; i += 2) {
  const code = parts[i + 1]!.replace(/\/\*! @@source [^*]*\*\/\n?/g, '');
  if (code.length > 0) rows.push([parts[i]!, code.length, whole - gzip(clean.replace(code, ''))]);
}
rows.sort((a, b) => b[2] - a[2]);
console.log(`\nlargest sources in the minified file (${whole} bytes gzip -9 in all):`);
console.log(`  ${'bytes'.padStart(6)} ${'gzip'.padStart(5)}  source`);
for (const [file, bytes, gz] of rows.slice(0, 15)) console.log(`  ${String(bytes).padStart(6)} ${String(gz).padStart(5)}  ${file}`);
