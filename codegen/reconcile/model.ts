// The draft the reconciler builds from the pages before overrides are applied, and the
// diagnostics that point at it. A diagnostic "opens" slots of its target: the doc disagrees with
// itself about them, so the spec takes no value from the doc until an override states one.
import type { DType } from '../parse/typeexpr.js';

export type FixKey =
  'name' | 'returns' | 'order' | 'signature' | 'type' | 'optional' | 'default' | 'present' | 'typeName' | 'define' | 'callbackReturns' | 'text';

export interface Slotted {
  /** Slots a diagnostic opened; an override must close them. */
  open: Set<FixKey>;
}

export interface DraftParam extends Slotted {
  name: string;
  type?: DType;
  optional: boolean;
  default?: string;
  /** false: dropped by an override (a parameter only one source had). */
  present: boolean;
  /** A callback the table marks optional while the signature declares it required. */
  sigRequired?: boolean;
  description: string;
  line: number;
  /** For an inline object type (signature literal or unnamed table): the name it gets. */
  typeName?: string;
  /** Where the inline object's fields were described: a table, or only the signature. */
  typeOrigin?: 'table' | 'signature';
  /** Every type any source gave it, so a name only the table used is still checked. */
  mentioned?: DType[];
  /** The fields of that inline object type. */
  fields?: DraftParam[];
  typeLine?: number;
}

export interface DraftMethod extends Slotted {
  section: string;
  name: string;
  /** The member table's Origin cell: vendor (or empty), ours, or extends (widens a vendor method). */
  origin: 'vendor' | 'ours' | 'extends';
  /** What the signature says the callback form returns: a Promise, or void / something else. */
  sigReturnsPromise?: boolean;
  /** Our own page's description of a vendor method it widens (`extends`). */
  extension?: { description: string; remarks: string[]; file: string; line: number };
  description: string;
  params: DraftParam[];
  returns?: DType;
  order?: string[];
  remarks: string[];
  /** The line of each remark. */
  remarkLines: number[];
  file: string;
  line: number;
}

export interface DraftType extends Slotted {
  name: string;
  description: string;
  fields: DraftParam[];
  open_: boolean; // ObjectType.open (the name `open` is the slot set)
  origin: 'table' | 'signature' | 'override';
  file: string;
  line: number;
  /** An UNKNOWN_TYPE placeholder: defined or aliased by an override. */
  placeholder?: boolean;
  alias?: DType;
}

export interface DraftEvent extends Slotted {
  name: string;
  value: string;
  origin: 'vendor' | 'ours';
  description: string;
  type?: DType;
  file: string;
  line: number;
}

/** A class as a whole, for decisions that hold for all its methods. */
export interface DraftClass extends Slotted {
  name: string;
  /** What the callback form of methods whose signature says `void` returns (an override decides). */
  callbackReturns?: 'promise' | 'void';
}

export type Target = DraftMethod | DraftParam | DraftType | DraftEvent | DraftClass;

/** A codegen rule that answers a diagnostic when no override does (an override still wins). */
export interface Rule {
  name: string;
  reason: string;
  fix: Partial<Record<FixKey, unknown>>;
}

export interface Diagnostic {
  code: string;
  file: string;
  line: number;
  subject: string;
  param?: string;
  message: string;
  /** Fix keys an override may set. Empty: no override can resolve it, the page must be fixed. */
  slots: FixKey[];
  /** 'all': every slot must be set; 'any': at least one (the doc's value stands for the rest). */
  need: 'all' | 'any';
  target?: Target;
  rule?: Rule;
}

export function diagKey(d: { code: string; subject: string; param?: string }): string {
  return `${d.code} ${d.subject}${d.param ? ` ${d.param}` : ''}`;
}

export class Diagnostics {
  readonly list: Diagnostic[] = [];
  private readonly byKey = new Map<string, Diagnostic>();

  /** Records a diagnostic; opens its slots on the target when need is 'all'. Same key twice: the first stays. */
  add(d: Diagnostic): Diagnostic {
    const key = diagKey(d);
    const seen = this.byKey.get(key);
    if (seen) {
      if (seen.line !== d.line && !seen.message.includes(`line ${d.line}`)) seen.message += ` (also at line ${d.line})`;
      return seen;
    }
    this.byKey.set(key, d);
    this.list.push(d);
    if (d.target && d.need === 'all') for (const s of d.slots) d.target.open.add(s);
    return d;
  }
}

export function formatDiagnostic(d: Pick<Diagnostic, 'file' | 'line' | 'code' | 'subject' | 'param' | 'message'>): string {
  return `${d.file}:${d.line}: ${d.code} ${d.subject}${d.param ? `(${d.param})` : ''}: ${d.message}`;
}
