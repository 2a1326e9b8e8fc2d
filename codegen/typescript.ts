// The `typescript` package (the project's own compiler version) for the parser, the schema
// generator and the compile check. Loaded with require, not `import`: importing a CommonJS
// module from ES modules makes Node scan its 9 MB for export names first (~0.3 s more per run).
import { createRequire } from 'node:module';
import type * as TS from 'typescript';

export const ts = createRequire(import.meta.url)('typescript') as typeof TS;
export type { TS };
