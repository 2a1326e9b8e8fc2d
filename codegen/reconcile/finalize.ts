// The draft, with overrides applied -> Spec. Everything the spec cannot express (an `any`, a
// bare "function", a name no page defines) is a problem here, never a silent guess.
import { typeToText, type DType } from '../parse/typeexpr.js';
import type { ErrorCodeDef, EventDef, Link, Method, ObjectType, Param, Spec, TypeRef } from '../spec/types.js';
import type { MergedClass } from './classes.js';
import type { DraftEvent, DraftMethod, DraftParam, DraftType } from './model.js';

export interface FinalInput {
  sources: { file: string; sha256: string }[];
  classes: MergedClass[];
  types: Map<string, DraftType>;
  events: DraftEvent[];
  errorCodes: ErrorCodeDef[];
  diagnostics: Spec['diagnostics'];
  errata: Spec['errata'];
  /** The intros of the events and error-code pages: file and Markdown. */
  intros: { events?: { file: string; md: string }; errorCodes?: { file: string; md: string } };
  /** The links in a Markdown text of a page, resolved. */
  resolveLinks: (md: string, file: string) => Link[];
}

const CALLBACKS = new Set(['onSuccess', 'onFailure']);
const VOID: TypeRef = { kind: 'primitive', name: 'void' };

export function finalize(inp: FinalInput): { spec: Spec; problems: string[] } {
  const problems: string[] = [];
  const objects = new Map<string, ObjectType>();
  const aliases = new Map<string, DType>();
  for (const t of inp.types.values()) if (t.placeholder && t.alias) aliases.set(t.name, t.alias);
  // Names that inline object types receive (from overrides), so refs to them resolve.
  const inlineNames = new Set<string>();
  for (const c of inp.classes) for (const { draft } of c.methods) for (const p of draft.params) if (p.fields && p.typeName) inlineNames.add(p.typeName);

  const ref = (d: DType | undefined, where: string, file: string, line: number): TypeRef => {
    const bad = (why: string): TypeRef => {
      problems.push(`${file}:${line}: UNEXPRESSIBLE_TYPE ${where}: ${why}`);
      return { kind: 'primitive', name: 'unknown' };
    };
    if (!d) return bad('no type was decided');
    switch (d.kind) {
      case 'primitive':
        return { kind: 'primitive', name: d.name };
      case 'literal':
        return { kind: 'literal', value: d.value };
      case 'ref': {
        const alias = aliases.get(d.name);
        if (alias) return ref(alias, where, file, line);
        const t = inp.types.get(d.name);
        if (inlineNames.has(d.name) && !t) return { kind: 'ref', name: d.name };
        if (!t || (t.placeholder && !t.alias)) return bad(`\`${d.name}\` is not defined by any page or override`);
        return { kind: 'ref', name: d.name };
      }
      case 'promise':
        return { kind: 'promise', of: ref(d.of, where, file, line) };
      case 'array':
        return { kind: 'array', of: ref(d.of, where, file, line) };
      case 'union':
        return { kind: 'union', of: d.of.map((u) => ref(u, where, file, line)) };
      case 'function':
        return {
          kind: 'function',
          params: d.params.map((p) => ({ name: p.name, type: ref(p.type, `${where}(${p.name})`, file, line), optional: p.optional, description: '' })),
          returns: ref(d.returns, where, file, line),
        };
      default:
        return bad(`\`${typeToText(d)}\` cannot be expressed in the spec`);
    }
  };

  const param = (p: DraftParam, where: string, file: string): Param => {
    let type: TypeRef;
    if (p.fields && (p.type?.kind === 'object' || p.type?.kind === 'anyObject')) {
      if (!p.typeName) {
        problems.push(`${file}:${p.line}: UNEXPRESSIBLE_TYPE ${where}: the inline object type has no name`);
        type = { kind: 'primitive', name: 'unknown' };
      } else type = { kind: 'ref', name: p.typeName };
    } else type = ref(p.type, where, file, p.line);
    if (p.fields && p.typeName) {
      const fields = p.fields.filter((f) => f.present).map((f) => param(f, `${where}.${f.name}`, file));
      // Fields of a signature literal have no rows: the parameter's text describes them.
      if (fields.every((f) => !f.description.trim())) {
        const said = fieldProse(
          p.description,
          fields.map((f) => f.name),
        );
        for (const f of fields) f.description = said.get(f.name) ?? '';
      }
      const obj: ObjectType = {
        name: p.typeName,
        description: p.description,
        fields,
        open: false,
        origin: p.typeOrigin ?? 'signature',
        links: inp.resolveLinks([p.description, ...p.fields.map((f) => f.description)].join('\n'), file),
        source: { file, line: p.typeLine ?? p.line },
      };
      const prev = objects.get(obj.name);
      if (prev && JSON.stringify({ ...prev, source: null }) !== JSON.stringify({ ...obj, source: null })) {
        problems.push(
          `${file}:${p.line}: TYPE_REDEFINED ${obj.name}: two different types would get this name (the other at ${prev.source.file}:${prev.source.line})`,
        );
      } else if (!prev) objects.set(obj.name, obj);
    }
    return { name: p.name, type, optional: p.optional, ...(p.default !== undefined ? { default: p.default } : {}), description: p.description };
  };

  for (const t of inp.types.values()) {
    if (t.placeholder) continue;
    objects.set(t.name, {
      name: t.name,
      description: t.description,
      fields: t.fields.filter((f) => f.present).map((f) => param(f, `${t.name}.${f.name}`, t.file)),
      open: t.open_,
      origin: t.origin,
      links: inp.resolveLinks([t.description, ...t.fields.map((f) => f.description)].join('\n'), t.file),
      source: { file: t.file, line: t.line },
    });
  }

  const classes: Spec['classes'] = inp.classes.map((c) => ({
    name: c.name,
    description: c.description,
    source: { file: c.file, line: c.line },
    methods: c.methods.map(({ draft: m, links }) => method(m, links, `${c.name}.${m.name}`, c.callbackReturns)),
  }));

  function method(m: DraftMethod, links: Link[], where: string, callbackReturns: 'promise' | 'void' | undefined): Method {
    let present = m.params.filter((p) => p.present);
    if (m.order) {
      const byName = new Map(present.map((p) => [p.name, p]));
      if (m.order.length !== present.length || m.order.some((n) => !byName.has(n))) {
        problems.push(`${m.file}:${m.line}: OVERRIDE_INVALID ${where}: fix.order must list exactly ${present.map((p) => p.name).join(', ')}`);
      } else present = m.order.map((n) => byName.get(n)!);
    }
    const cbs = present.filter((p) => CALLBACKS.has(p.name));
    // A required parameter after an optional one is not a TypeScript signature: never emit it.
    const positional = present.filter((p) => !CALLBACKS.has(p.name));
    const firstOptional = positional.findIndex((p) => p.optional);
    const lateRequired = firstOptional < 0 ? undefined : positional.slice(firstOptional).find((p) => !p.optional);
    if (lateRequired) {
      problems.push(
        `${m.file}:${lateRequired.line}: OPTIONAL_BEFORE_REQUIRED ${where}(${lateRequired.name}): it is required but follows the optional \`${positional[firstOptional]!.name}\`; make the overrides agree (both optional, or the earlier one required)`,
      );
    }
    const params = present.filter((p) => !CALLBACKS.has(p.name)).map((p) => param(p, `${where}(${p.name})`, m.file));
    let callbacks: Method['callbacks'] = null;
    if (cbs.length) {
      const onSuccess = cbs.find((p) => p.name === 'onSuccess');
      const fn = onSuccess ? ref(onSuccess.type, `${where}(onSuccess)`, m.file, onSuccess.line) : undefined;
      const success = fn?.kind === 'function' ? fn.params : [];
      if (new Set(cbs.map((p) => p.optional)).size > 1) {
        problems.push(`${m.file}:${m.line}: CALLBACKS_DISAGREE ${where}: onSuccess and onFailure must be both optional or both required`);
      }
      callbacks = {
        success,
        optional: cbs.every((p) => p.optional),
        formReturns: m.sigReturnsPromise ? 'promise' : (callbackReturns ?? 'void'),
        descriptions: { onSuccess: onSuccess?.description ?? '', onFailure: cbs.find((p) => p.name === 'onFailure')?.description ?? '' },
      };
    }
    const returns = m.returns
      ? ref(m.returns, `${where} returns`, m.file, m.line)
      : (problems.push(`${m.file}:${m.line}: UNEXPRESSIBLE_TYPE ${where}: no return type was decided`), VOID);
    if (callbacks) {
      const resolved = callbacks.success[0]?.type ?? VOID;
      if (JSON.stringify(resolved) !== JSON.stringify(returns)) {
        problems.push(
          `${m.file}:${m.line}: RETURNS_INCONSISTENT ${where}: the Promise would resolve with ${JSON.stringify(returns)} but onSuccess passes ${JSON.stringify(resolved)}; make the overrides agree`,
        );
      }
    }
    return {
      name: m.name,
      origin: m.origin === 'ours' ? 'ours' : 'vendor',
      description: m.description,
      ...(m.extension
        ? { extension: { description: m.extension.description, remarks: m.extension.remarks, source: { file: m.extension.file, line: m.extension.line } } }
        : {}),
      params,
      callbacks,
      returns,
      remarks: m.remarks,
      links,
      source: { file: m.file, line: m.line },
    };
  }

  const events: EventDef[] = inp.events.map((e) => ({
    name: e.name,
    value: e.value,
    origin: e.origin,
    description: e.description,
    payload: ref(e.type, `EVENTS.${e.name}`, e.file, e.line),
    links: inp.resolveLinks(e.description, e.file),
    source: { file: e.file, line: e.line },
  }));

  // A table type says nothing about itself: borrow what its users say of it.
  for (const t of objects.values()) {
    if (t.description) continue;
    const user = classes.flatMap((c) => c.methods.flatMap((m) => m.params)).find((p) => p.type.kind === 'ref' && p.type.name === t.name && p.description);
    const carriers = events.filter((e) => e.payload.kind === 'ref' && e.payload.name === t.name).map((e) => `\`EVENTS.${e.name}\``);
    if (user) t.description = user.description;
    else if (carriers.length) t.description = `The payload of ${carriers.join(', ')}.`;
  }

  const intro = (i: { file: string; md: string } | undefined) => ({ description: i?.md ?? '', links: i ? inp.resolveLinks(i.md, i.file) : [] });
  const spec: Spec = {
    specVersion: 1,
    sources: [...inp.sources].sort((a, b) => a.file.localeCompare(b.file)),
    classes,
    types: [...objects.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    events,
    errorCodes: inp.errorCodes,
    diagnostics: inp.diagnostics,
    errata: inp.errata,
    eventsPage: intro(inp.intros.events),
    errorCodesPage: intro(inp.intros.errorCodes),
  };
  return { spec, problems };
}

/**
 * What a parameter's text says of each field of its inline object: the clauses naming one field
 * (`audio` 为音频, video：视频) are that field's, the clauses naming none (what `true` means) are
 * every field's. "" for a field the text never speaks of.
 */
export function fieldProse(md: string, names: string[]): Map<string, string> {
  const clauses = md
    .split(/<\/?br\s*\/?>|\n/i)
    .flatMap((part) => part.split(/(?<=[，,；;])|(?<=。)/))
    .map((c) => c.trim())
    .filter(Boolean);
  const mentions = (c: string) => names.filter((n) => new RegExp(`(^|[^A-Za-z0-9_])\`?${n}\`?([^A-Za-z0-9_]|$)`).test(c));
  const general = clauses.filter((c) => mentions(c).length === 0);
  const out = new Map<string, string>();
  for (const n of names) {
    const own = clauses.filter((c) => mentions(c).length === 1 && mentions(c)[0] === n);
    if (own.length) out.set(n, [...own, ...general].join(' ').replace(/\s+/g, ' ').trim());
  }
  return out;
}
