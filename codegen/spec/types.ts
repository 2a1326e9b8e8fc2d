// The one contract between the parser (codegen/parse) and the emitter (codegen/emit).
// spec/spec.schema.json is generated from this file (codegen/spec/schemagen.ts): the JSDoc tags
// @pattern, @minLength, @minItems, @minimum and @integer are its constraints.

/** Where a fact came from: a page in spec/docs and a 1-based line. */
export interface SourceRef {
  /** @minLength 1 */
  file: string; // e.g. "spec/docs/client.md"
  /** @integer @minimum 1 */
  line: number;
}

/** A type as the emitter needs it: enough to print TypeScript and to generate a runtime check. */
export type TypeRef =
  | { kind: 'primitive'; name: 'string' | 'number' | 'boolean' | 'void' | 'unknown' }
  | { kind: 'ref'; /** @pattern ^[A-Za-z_$][A-Za-z0-9_$]*$ */ name: string } // an ObjectType in Spec.types, by name
  | { kind: 'function'; params: Param[]; returns: TypeRef }
  | { kind: 'promise'; of: TypeRef }
  | { kind: 'array'; of: TypeRef }
  | { kind: 'union'; /** @minItems 2 */ of: TypeRef[] }
  | { kind: 'literal'; value: string | number | boolean };

export interface Param {
  /** @pattern ^[A-Za-z_$][A-Za-z0-9_$]*$ */
  name: string;
  type: TypeRef;
  optional: boolean;
  /** The documented default, as the doc wrote it (e.g. "true", "{screen: false}"); absent for none. */
  default?: string;
  description: string; // Markdown, links already rewritten (see Link)
}

/** A link found in a description, resolved against the pages in spec/docs. */
export interface Link {
  text: string;
  /** @minLength 1 */
  href: string; // as written in the doc
  /** What it points at, when it resolves inside spec/docs. */
  target?: { kind: 'method' | 'event' | 'page' | 'type' | 'error'; /** @minLength 1 */ name: string };
  /** The published address of a vendor page we do not have (its doc id under `vendorDocsUrl`). @pattern ^https:// */
  url?: string;
}

export interface Method {
  /** @pattern ^[A-Za-z_$][A-Za-z0-9_$]*$ */
  name: string;
  /** `vendor`: on the vendor's page; `ours`: defined by this SDK on its own page (spec/docs). */
  origin: 'vendor' | 'ours';
  description: string;
  /** What our own page adds to a vendor method it widens (a row marked `extends`), Markdown. */
  extension?: { description: string; remarks: string[]; source: SourceRef };
  /** Positional parameters, callbacks excluded. */
  params: Param[];
  /**
   * Methods that take onSuccess / onFailure get the dual API: a Promise form and a legacy
   * callback form. `null` for synchronous methods (on, off, report*).
   */
  callbacks: null | {
    /** The parameters onSuccess is called with; the Promise resolves with the first one (or void). */
    success: Param[];
    /** Whether the legacy form's callbacks are optional (the vendor's tables say 否 / No). */
    optional: boolean;
    /**
     * What the callback form returns: `promise` (the same Promise, already handled, so `.then`
     * works and nothing is an unhandled rejection) or `void` (what a vendor signature says).
     */
    formReturns: 'promise' | 'void';
    /** The page's descriptions of onSuccess and onFailure, Markdown ("" when it has none). */
    descriptions: { onSuccess: string; onFailure: string };
  };
  /** What the Promise resolves to (async methods) or what the method returns (sync methods). */
  returns: TypeRef;
  /** Notes sections (**注意** / **Note**), one entry a paragraph or list item, Markdown. */
  remarks: string[];
  links: Link[];
  source: SourceRef;
}

export interface ObjectType {
  /** @pattern ^[A-Za-z_$][A-Za-z0-9_$]*$ */
  name: string;
  description: string;
  fields: Param[];
  /** Extra keys allowed (WeChat's netstatus info grows between versions); closed types reject unknown keys. */
  open: boolean;
  /** Where the type is defined: a "XXX 配置" table, an inline signature literal, or an override. */
  origin: 'table' | 'signature' | 'override';
  /** The links in the description and the fields' descriptions. */
  links: Link[];
  source: SourceRef;
}

export interface EventDef {
  /** @pattern ^[A-Z][A-Z0-9_]*$ */
  name: string; // STREAM_ADDED
  /** @minLength 1 */
  value: string; // stream-added
  origin: 'vendor' | 'ours';
  description: string;
  payload: TypeRef; // usually a ref
  links: Link[];
  source: SourceRef;
}

export interface ErrorCodeDef {
  /** @pattern ^[A-Z][A-Z0-9_]*$ */
  name: string; // INVALID_PARAMS
  /** @integer */
  code: number;
  category: string;
  origin: 'vendor' | 'ours';
  description: string;
  source: SourceRef;
}

/** A disagreement the parser found, and how the overrides file resolved it. */
export interface ResolvedDiagnostic {
  /** @pattern ^[A-Z][A-Z0-9_]*$ */
  code: string; // stable, e.g. "SIGNATURE_NAME_MISMATCH"
  /** @minLength 1 */
  file: string;
  /** @integer @minimum 1 */
  line: number;
  /** @minLength 1 */
  subject: string; // e.g. "Client.setBusinessId"
  /** The parameter or field the diagnostic is about, when it is about one (e.g. "options.screen"). @minLength 1 */
  param?: string;
  /** @minLength 1 */
  message: string;
  /** @minLength 1 */
  resolution: string; // the override's reason
}

export interface Spec {
  specVersion: 1;
  /** The pages read, with a content hash so a stale spec is obvious in review. */
  sources: { /** @minLength 1 */ file: string; /** @pattern ^[0-9a-f]{64}$ */ sha256: string }[];
  classes: { /** @pattern ^[A-Za-z_$][A-Za-z0-9_$]*$ */ name: string; description: string; methods: Method[]; source: SourceRef }[];
  types: ObjectType[];
  events: EventDef[];
  /** What the events page says before its table (the EVENTS constant's description). */
  eventsPage: PageIntro;
  errorCodes: ErrorCodeDef[];
  /** What the error-code page says before its table. */
  errorCodesPage: PageIntro;
  diagnostics: ResolvedDiagnostic[];
  /** Reviewed corrections of the pages' prose (ERRATUM overrides), applied to the texts above. */
  errata: Erratum[];
}

export interface PageIntro {
  description: string;
  links: Link[];
}

/** A correction of a page's prose: `find` became `replace` in the texts of `subject`. */
export interface Erratum {
  subject: string;
  find: string;
  replace: string;
  reason: string;
}
