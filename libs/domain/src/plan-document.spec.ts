import * as yaml from 'yaml';
import { parseYamlPlan, PLAN_DOCUMENT_LIMITS, type PlanDocumentLimits } from './plan-document.js';

const limits: PlanDocumentLimits = { maxEntries: 20, maxDepth: 4, maxAliases: 3 };
const parse = (text: string, at: PlanDocumentLimits = limits) => parseYamlPlan(yaml, text, at);
const problemsOf = (text: string, at?: PlanDocumentLimits) => {
  const result = parse(text, at);
  return result.ok ? [] : result.problems;
};

describe('parseYamlPlan', () => {
  it('gives the plain value of a plan within the limits', () => {
    expect(parse('title: x\nreleases:\n  - { service: web, image: "1" }\n')).toEqual({ ok: true, value: { title: 'x', releases: [{ service: 'web', image: '1' }] } });
  });

  it('refuses a key twice in one mapping, with its path, at any depth', () => {
    expect(problemsOf('a: 1\nb: 2\na: 3\n')).toEqual([{ path: 'a', message: 'YAML: duplicate key "a"' }]);
    expect(problemsOf('r:\n  - { s: 1, s: 2 }\n')).toEqual([{ path: 'r.0.s', message: 'YAML: duplicate key "s"' }]);
  });

  it('lets the same key appear in different mappings', () => {
    expect(parse('a: { k: 1 }\nb: { k: 2 }\n')).toMatchObject({ ok: true });
  });

  it('tells 1 from "1", as yaml itself does', () => {
    expect(parse('1: a\n"1": b\n')).toMatchObject({ ok: true });
    expect(problemsOf('"x": a\nx: b\n')).toEqual([{ path: 'x', message: 'YAML: duplicate key "x"' }]);
  });

  it('refuses keys that are collections or aliases', () => {
    expect(problemsOf('? [a]\n: 1\n')[0]!.message).toMatch(/mapping key must be a plain value/);
    expect(problemsOf('a: &k x\n*k : 1\n')[0]!.message).toMatch(/mapping key must be a plain value/);
  });

  it('caps the keys and items of the whole document, naming the limit', () => {
    const keys = (n: number) => Array.from({ length: n }, (_, i) => `k${i}: ${i}`).join('\n');
    const tooMany = [{ path: '', message: 'YAML: more than the limit of 20 keys and items' }];
    expect(parse(keys(20))).toMatchObject({ ok: true });
    expect(problemsOf(keys(21))).toEqual(tooMany);
    expect(problemsOf(`a: { ${Array.from({ length: 20 }, (_, i) => `k${i}: ${i}`).join(', ')} }`)).toEqual(tooMany);
    expect(parse(`a: [${Array.from({ length: 19 }, () => '0').join(', ')}]`)).toMatchObject({ ok: true });
    expect(problemsOf(`a: [${Array.from({ length: 20 }, () => '0').join(', ')}]`)).toEqual(tooMany);
  });

  it('caps the depth, naming the limit and where', () => {
    expect(parse('a: [[[1]]]\n')).toMatchObject({ ok: true });
    expect(problemsOf('a: [[[[1]]]]\n')).toEqual([{ path: 'a.0.0.0', message: 'YAML: nested deeper than the limit of 4 levels' }]);
  });

  it('keeps the alias cap: a billion-laughs document is refused', () => {
    const laughs = 'a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\nd: [*c, *c]\n';
    expect(problemsOf(laughs)[0]!.message).toMatch(/^YAML: Excessive alias count/);
  });

  it('reports syntax errors as YAML problems', () => {
    expect(problemsOf('a: [1, 2\n')[0]!.message).toMatch(/^YAML: /);
  });

  it('refers to nothing outside itself, so its source text runs on a worker thread', () => {
    const rebuilt = new Function('yaml', 'text', 'limits', `return (${parseYamlPlan.toString()})(yaml, text, limits);`);
    expect(rebuilt(yaml, 'a: 1\na: 2\n', limits)).toEqual(parse('a: 1\na: 2\n'));
  });

  it('walks a document of 30,000 keys (the reported stall) once, refusing it at the default limit', () => {
    const text = Array.from({ length: 30_000 }, (_, i) => `k${i}: ${i}`).join('\n');
    expect(problemsOf(text, PLAN_DOCUMENT_LIMITS)).toEqual([{ path: '', message: `YAML: more than the limit of ${PLAN_DOCUMENT_LIMITS.maxEntries} keys and items` }]);
  });
});
