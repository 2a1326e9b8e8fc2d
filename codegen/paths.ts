// Where codegen reads and writes, relative to a repository root. A module of its own (no imports)
// so the --check fast path (codegen/stamp.ts) knows the files without loading the pipeline.
export const DOCS_DIR = 'spec/docs';
export const OVERRIDES = 'spec/overrides.json';
export const SPEC_OUT = 'spec/client.spec.json';
export const GENERATED_DIR = 'src/generated';
/** The generated part of the shared wire package (the emitter's '../../protocol/...' files). */
export const PROTOCOL_GENERATED_DIR = 'protocol/src/generated';
/** Generated from the TypeScript types (codegen/spec/schemagen.ts), like the code. */
export const SPEC_SCHEMA_OUT = 'spec/spec.schema.json';
export const OVERRIDES_SCHEMA_OUT = 'spec/overrides.schema.json';
/** Which spec and which emitter made each generated file, and each file's hash (codegen/manifest.ts). */
export const MANIFEST = 'spec/generated.manifest.json';
