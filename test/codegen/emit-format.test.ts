// The emitter writes its files already formatted (codegen/emit/layout.ts), instead of running
// ts-morph's formatText over each (a cold emit's largest step after loading ts-morph). This proves
// the output is what that pass would give: formatting any emitted file changes no byte.
import { Project } from 'ts-morph';
import { describe, expect, it } from 'vitest';
import { emit, MANIPULATION_SETTINGS } from '../../codegen/emit/index.js';
import { build } from '../../codegen/reconcile/index.js';
import type { Spec } from '../../codegen/spec/types.js';
import { fixtureSpec } from './emit-fixture.js';
import { fixture, OVERRIDES, pageSources, read } from './helpers.js';

// The settings the emitter formatted with when it did.
const project = new Project({ useInMemoryFileSystem: true, manipulationSettings: MANIPULATION_SETTINGS });
const formatted = (name: string, text: string): string => {
  const file = project.createSourceFile(`/fmt/${name.replace(/[./]+\//g, '')}`, text, { overwrite: true });
  file.formatText({ indentSize: 2, convertTabsToSpaces: true, semicolons: 'insert' as never });
  return file.getFullText();
};

const specs: [string, () => Spec][] = [
  ['the committed spec', () => JSON.parse(read('spec/client.spec.json')) as Spec],
  ['the spec of the fixture pages', () => build(pageSources(), OVERRIDES, fixture('overrides.json')).spec!],
  ['the hand-built spec', fixtureSpec],
];

describe('emitted files need no formatting', () => {
  for (const [what, spec] of specs) {
    it(`${what}: formatText changes no emitted file`, () => {
      const files = emit(spec());
      expect(files.size).toBeGreaterThan(5);
      for (const [name, text] of files) expect(formatted(name, text), name).toBe(text);
    });
  }
});
