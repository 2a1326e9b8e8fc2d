// `npm run codegen`: runs codegen/cli.ts from one bundled file instead of through tsx. tsx
// transforms each of codegen's ~35 sources and resolves a few hundred package files on every
// start (about half a second of a cold --check); the bundle is built once by esbuild (~0.3 s) and
// reused until a codegen source or an installed package changes, and it runs through a V8 code
// cache (codegen/v8-cache.mjs); so does ts-morph when the emitter is needed (codegen/ts-morph.ts). Both live next to the --check stamp, under node_modules/.cache
// (never committed). Plain JavaScript: it must run before anything is built.
// `node --import tsx codegen/cli.ts` still runs the sources directly (the CLI tests do).
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { requireWithCodeCache } from './v8-cache.mjs';

// A codegen run is a second of code that runs once: V8's optimizing compiler (TurboFan) spends
// more CPU compiling hot functions than they then save (measured: 0.84 -> 0.66 s of CPU for a full
// check, 1.65 -> 1.09 s with the compile check). Off before any of codegen is loaded.
setFlagsFromString('--no-opt');

const CODEGEN = fileURLToPath(new URL('.', import.meta.url));
const ROOT = dirname(CODEGEN);
const CACHE = join(ROOT, 'node_modules/.cache/mprtc-codegen');
/** Bumped when the way the bundle is built changes. */
const FORMAT = 3;

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

// What the bundle is made of: codegen's sources (and where they are: the bundle holds their paths)
// and the installed packages (npm's record of them).
function key() {
  const h = createHash('sha256').update(`format ${FORMAT}\0${CODEGEN}\0`);
  const lock = join(ROOT, 'node_modules/.package-lock.json');
  for (const file of [...walk(CODEGEN).sort(), ...(existsSync(lock) ? [lock] : [])]) {
    const bytes = readFileSync(file);
    h.update(`${relative(ROOT, file)}\0${bytes.length}\0`).update(bytes);
  }
  return h.digest('hex').slice(0, 16);
}

async function build(out) {
  const esbuild = await import('esbuild');
  // Each source keeps its own import.meta.url (the CLI finds the root and reads codegen/spec/types.ts by it).
  const ownUrl = {
    name: 'own-import-meta-url',
    setup(b) {
      b.onLoad({ filter: /[\\/]codegen[\\/].*\.ts$/ }, (args) => ({
        contents: readFileSync(args.path, 'utf8').replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)),
        loader: 'ts',
      }));
    },
  };
  // The emitters' `import ... from 'ts-morph'` (type-only imports are erased): ts-morph through
  // code caches, required when the emitter is first loaded (never by a check the manifest answers).
  const tsMorph = {
    name: 'ts-morph-with-code-cache',
    setup(b) {
      b.onResolve({ filter: /^ts-morph$/ }, () => ({ path: 'ts-morph', namespace: 'code-cached' }));
      b.onLoad({ filter: /.*/, namespace: 'code-cached' }, () => ({
        contents: `module.exports = require(${JSON.stringify(join(CODEGEN, 'ts-morph.ts'))}).loadTsMorph();`,
        resolveDir: CODEGEN,
        loader: 'js',
      }));
    },
  };
  const tmp = `${out}.${process.pid}.tmp`;
  await esbuild.build({
    entryPoints: [join(CODEGEN, 'cli.ts')],
    outfile: tmp,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // TypeScript (9 MB, codegen/typescript.ts), ts-morph (above) and ajv (only to compile a schema,
    // codegen/spec/schema.ts) are required from node_modules at run time; the small ES modules of remark
    // and micromark are bundled: one file instead of a few hundred.
    external: ['typescript', 'ajv'],
    plugins: [ownUrl, tsMorph],
    logLevel: 'error',
  });
  renameSync(tmp, out); // atomic: a concurrent run sees the old bundle or the new one
}

/** node_modules/.cache, or the system's temporary directory when node_modules is read-only. */
function cacheDir() {
  try {
    mkdirSync(CACHE, { recursive: true });
    accessSync(CACHE, constants.W_OK);
    return CACHE;
  } catch {
    const dir = join(tmpdir(), 'mprtc-codegen');
    mkdirSync(dir, { recursive: true });
    return dir;
  }
}

const dir = cacheDir();
const name = `cli-${key()}`;
const out = join(dir, `${name}.cjs`);
if (!existsSync(out)) {
  // Bundles of other source versions, unused for ten minutes (another checkout may share this node_modules).
  for (const f of readdirSync(dir)) {
    try {
      const file = join(dir, f);
      if (/^cli-/.test(f) && !f.startsWith(name) && Date.now() - statSync(file).mtimeMs > 600_000) rmSync(file, { force: true });
    } catch {
      // Gone meanwhile (another run cleaned up): nothing to do.
    }
  }
  await build(out);
} else {
  const now = new Date();
  utimesSync(out, now, now); // in use: not another checkout's to clean up
}
requireWithCodeCache(out, join(dir, `${name}.cache`));
